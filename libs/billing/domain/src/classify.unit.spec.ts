import { describe, expect, it } from '@jest/globals';
import { classify } from './classify.js';
import { OwnershipTimeline, type HeldFact } from './ownership.js';

const T = 1_700_000_000_000;
const vm = (id: string, ip: string, extra: Partial<HeldFact> = {}): HeldFact => ({
  sourceEventId: `ev-${id}-${ip}`,
  scope: 'private',
  ip,
  fromMs: T,
  resourceId: id,
  accountId: 'acc_a',
  projectId: 'prj_a',
  networkId: 'net_a',
  kind: 'vm',
  name: id,
  ...extra,
});

/** given these holdings, when a flow from src to dst at `at`, then its class and whom it is attributed to. */
function given(...facts: HeldFact[]) {
  const timeline = new OwnershipTimeline();
  facts.forEach((f) => timeline.held(f));
  return (src: string, dst: string, at = T + 1000, networkId = 'net_a') => classify({ networkId, srcIp: src, dstIp: dst, atMs: at }, timeline);
}

describe('classification at the flow time', () => {
  it('both ends resources of the same network → private, free, attributed to the source', () => {
    const c = given(vm('vm_1', '10.0.1.1'), vm('vm_2', '10.0.1.2'))('10.0.1.1', '10.0.1.2');
    expect(c).toMatchObject({ class: 'private', holder: { resourceId: 'vm_1' } });
  });

  it('a resource to an internet address → egress, billed to the source', () => {
    expect(given(vm('vm_1', '10.0.1.1'))('10.0.1.1', '8.8.8.8')).toMatchObject({ class: 'egress', holder: { resourceId: 'vm_1' } });
  });

  it('a response to a browser, sent from the resource public address → egress of that resource', () => {
    const c = given(vm('vm_1', '203.0.113.5', { scope: 'public' }))('203.0.113.5', '198.51.100.7');
    expect(c).toMatchObject({ class: 'egress', holder: { resourceId: 'vm_1' } });
  });

  it('an internet address to a resource → ingress, free, attributed to the destination', () => {
    expect(given(vm('vm_1', '10.0.1.1'))('198.51.100.7', '10.0.1.1')).toMatchObject({ class: 'ingress', holder: { resourceId: 'vm_1' } });
  });

  it('a resource to the public address of a resource of the same account → hairpin, billed, naming the target', () => {
    const c = given(vm('vm_1', '10.0.1.1'), vm('db_1', '203.0.113.9', { scope: 'public', kind: 'database', name: 'pg' }))('10.0.1.1', '203.0.113.9');
    expect(c).toMatchObject({ class: 'hairpin', holder: { resourceId: 'vm_1' }, target: { resourceId: 'db_1', name: 'pg' } });
  });

  it("another account's public address is the internet → egress, not hairpin", () => {
    const c = given(vm('vm_1', '10.0.1.1'), vm('vm_x', '203.0.113.9', { scope: 'public', accountId: 'acc_b' }))('10.0.1.1', '203.0.113.9');
    expect(c.class).toBe('egress');
  });

  it('a private address no resource of the network held then → rejected, with a reason', () => {
    const c = given(vm('vm_1', '10.0.1.1'))('10.0.1.1', '10.0.1.77');
    expect(c).toMatchObject({ class: 'rejected', holder: { resourceId: 'vm_1' } });
    expect(c.reason).toContain('10.0.1.77');
  });

  it("the same private address in another network is not this network's", () => {
    expect(given(vm('vm_1', '10.0.1.1'))('10.0.1.1', '8.8.8.8', T + 1000, 'net_b').class).toBe('rejected');
  });

  it('an address before its holding began is not held → rejected', () => {
    expect(given(vm('vm_1', '10.0.1.1'))('10.0.1.1', '8.8.8.8', T - 1000).class).toBe('rejected');
  });

  it('a flow in the very second the address was taken (flow times are whole seconds) is the holder', () => {
    expect(given(vm('vm_1', '10.0.1.1', { fromMs: T + 400 }))('10.0.1.1', '8.8.8.8', T).class).toBe('egress');
  });

  it('public to public, neither ours → rejected', () => {
    expect(given()('198.51.100.1', '8.8.8.8').class).toBe('rejected');
  });
});

describe('ownership over time', () => {
  it('an address released and reused is attributed to whoever held it at the flow time, whenever the flow arrives', () => {
    const timeline = new OwnershipTimeline();
    timeline.held(vm('vm_old', '10.0.1.1', { accountId: 'acc_old' }));
    timeline.ended({ sourceEventId: 'end-1', scope: 'private', ip: '10.0.1.1', networkId: 'net_a', resourceId: 'vm_old', untilMs: T + 10_000 });
    timeline.held(vm('vm_new', '10.0.1.1', { sourceEventId: 'ev-new', accountId: 'acc_new', fromMs: T + 20_000 }));
    expect(timeline.privateHolder('net_a', '10.0.1.1', T + 5_000)?.accountId).toBe('acc_old');
    expect(timeline.privateHolder('net_a', '10.0.1.1', T + 10_000)).toBeUndefined(); // [from, until): quarantined
    expect(timeline.privateHolder('net_a', '10.0.1.1', T + 25_000)?.accountId).toBe('acc_new');
  });

  it('applies a republished fact once', () => {
    const timeline = new OwnershipTimeline();
    timeline.held(vm('vm_1', '10.0.1.1'));
    timeline.ended({ sourceEventId: 'e', scope: 'private', ip: '10.0.1.1', networkId: 'net_a', resourceId: 'vm_1', untilMs: T + 5 });
    timeline.held(vm('vm_1', '10.0.1.1'));
    expect(timeline.privateHolder('net_a', '10.0.1.1', T + 10)).toBeUndefined();
  });
});
