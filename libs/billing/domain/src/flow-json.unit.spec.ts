import { describe, expect, it } from '@jest/globals';
import { parseFlowJson, parseFlowMessage } from './flow-json.js';

const flow = { flow_id: 'f-1', network_id: 'net_01ABC', src_ip: '10.0.1.1', src_port: 40000, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes: 1500, packets: 3, start: 1_767_225_600, end: 1_767_225_660 };

describe('reading a JSON flow', () => {
  it('given a well-formed record, then every field is read, counters as bigints', () => {
    const r = parseFlowJson(flow);
    expect(r).toMatchObject({ ok: true, value: { flowId: 'f-1', networkId: 'net_01ABC', bytes: 1500n, packets: 3n, protocol: 6 } });
  });

  it('given counters as decimal strings beyond 2^53, then they are exact', () => {
    const r = parseFlowJson({ ...flow, bytes: '9007199254740993' });
    expect(r.ok && r.value.bytes).toBe(9007199254740993n);
  });

  it.each([
    ['bytes', -1],
    ['bytes', 1.5],
    ['bytes', 2 ** 60],
    ['bytes', '1e3'],
    ['src_ip', '10.0.1.01'],
    ['dst_ip', '::1'],
    ['src_port', 70000],
    ['protocol', 'gre!'],
    ['network_id', '__proto__'],
    ['start', 1_767_225_600_000],
    ['end', 1_767_225_000],
    ['flow_id', ''],
  ])('given a bad %s (%p), then it is refused naming the field', (field, value) => {
    const r = parseFlowJson({ ...flow, [field]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(field === 'end' ? 'end' : field);
  });

  it('given anything but an object, then it is refused', () => {
    for (const v of [null, 1, 'x', [flow]]) expect(parseFlowJson(v).ok).toBe(false);
  });

  it('given a message, then an object or an array of them; not JSON is refused', () => {
    expect(parseFlowMessage(JSON.stringify(flow))).toMatchObject({ ok: true, value: [flow] });
    expect(parseFlowMessage(JSON.stringify([flow, flow]))).toMatchObject({ ok: true, value: [flow, flow] });
    expect(parseFlowMessage('{oops').ok).toBe(false);
  });
});
