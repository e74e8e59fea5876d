import { describe, expect, it } from '@jest/globals';
import type { Flow } from './flow.js';
import { meterFlow } from './meter-flow.js';
import { OwnershipTimeline } from './ownership.js';
import { historyHorizonMs } from './ownership-retention.js';

const holder = { accountId: 'acc_a', projectId: 'prj_a', networkId: 'net_a', kind: 'vm' };
const flow = (src: string, atMs: number): Flow => ({ networkId: 'net_a', srcIp: src, srcPort: 1, dstIp: '8.8.8.8', dstPort: 443, protocol: 6, bytes: 10n, packets: 1n, start: atMs / 1000, end: atMs / 1000 });
const GRACE = 48 * 3_600_000;

describe('metering a flow older than the ownership history kept', () => {
  const t = new OwnershipTimeline();
  t.held({ ...holder, sourceEventId: 'h1', scope: 'private', ip: '10.0.1.1', resourceId: 'vm_gone', name: 'gone', fromMs: Date.UTC(2026, 0, 1) });
  t.ended({ sourceEventId: 'e1', scope: 'private', ip: '10.0.1.1', networkId: 'net_a', resourceId: 'vm_gone', untilMs: Date.UTC(2026, 0, 20) });
  t.held({ ...holder, sourceEventId: 'h2', scope: 'private', ip: '10.0.1.2', resourceId: 'vm_stays', name: 'stays', fromMs: Date.UTC(2026, 0, 1) });
  t.forgetBefore(historyHorizonMs('2026-03'));
  const arrived = Date.UTC(2026, 4, 10);

  it('is parked when the holder of an end then was forgotten: never guessed rejected or egress', () => {
    const r = meterFlow(flow('10.0.1.1', Date.UTC(2026, 0, 10)), t, arrived, GRACE);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/^older than the attribution history kept: .*who held 10\.0\.1\.1 then is no longer known/);
  });

  it('given a VPC line naming a resource whose holdings were all forgotten, when it is from before the horizon, then it is parked as too old, not as an unknown resource', () => {
    const r = meterFlow({ ...flow('10.0.1.1', Date.UTC(2026, 0, 10)), networkId: undefined, interfaceId: 'vm_gone', accountId: 'acc_a' }, t, arrived, GRACE);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/^older than the attribution history kept: .*interface-id vm_gone/);
  });

  it('is still billed, on a later invoice, when a holding kept covers it', () => {
    const r = meterFlow(flow('10.0.1.2', Date.UTC(2026, 0, 10)), t, arrived, GRACE);
    expect(r).toMatchObject({ ok: true, value: { class: 'egress', resourceId: 'vm_stays', period: '2026-01', billedPeriod: '2026-05' } });
  });

  it('is unaffected from the horizon on', () => {
    expect(meterFlow(flow('10.0.1.1', Date.UTC(2026, 2, 1)), t, arrived, GRACE)).toMatchObject({ ok: true, value: { class: 'rejected' } });
  });
});
