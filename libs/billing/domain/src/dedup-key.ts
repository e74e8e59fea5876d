// The key a flow is counted once under: its `flow_id` when the data plane gave
// one, else a hash of what identifies it (network, 5-tuple, start, end, bytes,
// packets). Scoped by network in both cases: two networks' data planes may
// number their flows alike, and those are two flows.
import { hash } from 'node:crypto';
import type { Flow } from './flow.js';

/** 32 hex characters (128 bits of SHA-256): safe as a stream id and a NATS subject token. */
export function dedupKey(flow: Flow, networkId: string): string {
  // A separator no field can contain (flow ids are printable ASCII), so no two tuples join alike.
  const text =
    flow.flowId !== undefined
      ? `id\u0000${networkId}\u0000${flow.flowId}`
      : ['tuple', networkId, flow.srcIp, flow.srcPort, flow.dstIp, flow.dstPort, flow.protocol, flow.start, flow.end, flow.bytes, flow.packets].join('\u0000');
  // One-shot hash: a Hash object per flow showed in the profile.
  return hash('sha256', text, 'hex').slice(0, 32);
}
