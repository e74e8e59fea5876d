import { describe, expect, it } from '@jest/globals';
import { dedupKey } from './dedup-key.js';
import type { Flow } from './flow.js';

const flow: Flow = { srcIp: '10.0.1.1', srcPort: 1, dstIp: '8.8.8.8', dstPort: 2, protocol: 6, bytes: 10n, packets: 1n, start: 1, end: 2 };

describe('dedup key', () => {
  it('given a flow_id, then the key is the id (in its network), whatever else differs', () => {
    expect(dedupKey({ ...flow, flowId: 'a' }, 'net_1')).toBe(dedupKey({ ...flow, flowId: 'a', bytes: 99n }, 'net_1'));
    expect(dedupKey({ ...flow, flowId: 'a' }, 'net_1')).not.toBe(dedupKey({ ...flow, flowId: 'a' }, 'net_2'));
  });

  it('given no flow_id, then network, 5-tuple, start, end, bytes and packets make the key', () => {
    expect(dedupKey(flow, 'net_1')).toBe(dedupKey({ ...flow }, 'net_1'));
    for (const change of [{ bytes: 11n }, { packets: 2n }, { start: 0 }, { end: 3 }, { srcPort: 3 }, { protocol: 17 }]) {
      expect(dedupKey({ ...flow, ...change }, 'net_1')).not.toBe(dedupKey(flow, 'net_1'));
    }
  });

  it('is the key earlier versions stored (keys of open invoices must still match after an upgrade)', () => {
    expect(dedupKey({ ...flow, flowId: 'a' }, 'net_1')).toBe('eb503c87dc6101bae2009990d7b4c07a');
    expect(dedupKey(flow, 'net_1')).toBe('dedb3670492df1407ec2eeb97c5af9a6');
  });

  it('is a valid stream id token', () => expect(dedupKey(flow, 'net_1')).toMatch(/^[0-9a-f]{32}$/));
});
