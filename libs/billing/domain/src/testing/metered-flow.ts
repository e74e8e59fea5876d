// A metered flow for specs: egress of 100 bytes from vm_1 in May 2026, billed
// that month, its dedup key and flow id made from `n`; `over` changes any field.
import type { MeteredFlow } from '../metered.js';

export const meteredFlow = (n: number, over: Partial<MeteredFlow> = {}): MeteredFlow => ({
  dedupKey: n.toString(16).padStart(32, '0'),
  flowId: `f${n}`,
  networkId: 'net_1',
  srcIp: '10.0.1.1',
  srcPort: 1000,
  dstIp: '8.8.8.8',
  dstPort: 443,
  protocol: 6,
  bytes: 100n,
  packets: 1n,
  start: 1_780_000_000,
  end: 1_780_000_001,
  class: 'egress',
  reason: '',
  accountId: 'acc_1',
  projectId: 'prj_1',
  resourceId: 'vm_1',
  resourceKind: 'vm',
  resourceName: 'web',
  targetResourceId: '',
  targetResourceName: '',
  targetResourceKind: '',
  period: '2026-05',
  day: '2026-05-29',
  billedPeriod: '2026-05',
  arrivedAtMs: 1_780_000_002_000,
  ...over,
});
