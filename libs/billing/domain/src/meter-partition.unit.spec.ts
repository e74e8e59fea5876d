import { describe, expect, it } from '@jest/globals';
import { meterPartitionDecider as decider, partitionOf, partitionStateJson, splitKeys, type FlowsMetered, type MeterBatch, type PartitionState } from './meter-partition.js';
import type { MeteredFlow } from './metered.js';
import { meteredFlow as flow } from './testing/metered-flow.js';
import { finalThrough } from './status.js';

const key = (n: number) => n.toString(16).padStart(32, '0');


/** given: the events so far; when: a batch; then: what is decided. */
const given = (...events: FlowsMetered[]): PartitionState => events.reduce(decider.evolve, decider.initialState());
const when = (state: PartitionState, flows: MeteredFlow[], finalThrough = ''): FlowsMetered[] => decider.decide({ flows, finalThrough } satisfies MeterBatch, state) as FlowsMetered[];

describe('meter partition', () => {
  it('given nothing, when a batch comes, then its keys are recorded and its bytes summed per row', () => {
    const [event] = when(given(), [flow(1), flow(2, { bytes: 50n }), flow(3, { resourceId: 'vm_2', resourceName: 'db' }), flow(4, { class: 'private' })]);
    expect(event!.keys).toEqual(new Map([['2026-05', [key(1), key(2), key(3), key(4)]]]));
    expect(event!.rows).toEqual([
      expect.objectContaining({ resourceId: 'vm_1', class: 'egress', bytes: 150n, flows: 2 }),
      expect.objectContaining({ resourceId: 'vm_2', class: 'egress', bytes: 100n, flows: 1 }),
      expect.objectContaining({ resourceId: 'vm_1', class: 'private', bytes: 100n, flows: 1 }),
    ]);
    expect(event!.rejected).toEqual([]);
  });

  it('given a batch recorded, when it comes again (redelivery, replay), then nothing is decided', () => {
    const state = given(...when(given(), [flow(1), flow(2)]));
    expect(when(state, [flow(2), flow(1)])).toEqual([]);
  });

  it('given some keys, when a batch mixes seen and new flows, then only the new ones count, and a flow twice in one batch counts once', () => {
    const state = given(...when(given(), [flow(1)]));
    const [event] = when(state, [flow(1), flow(2), flow(2)]);
    expect(event!.keys).toEqual(new Map([['2026-05', [key(2)]]]));
    expect(event!.rows).toEqual([expect.objectContaining({ bytes: 100n, flows: 1 })]);
  });

  it('when rejected flows come, then they are kept one by one, not summed', () => {
    const [event] = when(given(), [flow(1, { class: 'rejected', reason: 'nobody' }), flow(2, { class: 'rejected', reason: 'nobody' })]);
    expect(event!.rows).toEqual([]);
    expect(event!.rejected.map((f) => f.flowId)).toEqual(['f1', 'f2']);
  });

  it('sums a row per resource, class and day, in the order rows first appear', () => {
    const [event] = when(given(), [flow(1), flow(2, { day: '2026-05-30' }), flow(3), flow(4, { class: 'private' }), flow(5, { resourceId: 'vm_2' })]);
    expect(event!.rows.map((r) => [r.resourceId, r.class, r.day, r.flows])).toEqual([
      ['vm_1', 'egress', '2026-05-29', 2],
      ['vm_1', 'egress', '2026-05-30', 1],
      ['vm_1', 'private', '2026-05-29', 1],
      ['vm_2', 'egress', '2026-05-29', 1],
    ]);
  });

  it('keeps sums exact past 2^53', () => {
    const big = 2n ** 53n + 1n;
    const [event] = when(given(), [flow(1, { bytes: big }), flow(2, { bytes: big })]);
    expect(event!.rows[0]!.bytes).toBe(2n * big);
  });

  it('given keys of May and June, when May is final, then May\'s keys are forgotten and June\'s kept', () => {
    let state = given(...when(given(), [flow(1), flow(2, { period: '2026-06', billedPeriod: '2026-06' })]));
    state = given(...when(state, [flow(3, { period: '2026-06', billedPeriod: '2026-06' })], '2026-05'));
    expect(state.finalThrough).toBe('2026-05');
    expect([...state.keys.keys()]).toEqual(['2026-06']);
  });

  it('given May final, when a flow still names May\'s invoice, then it goes to the first open one (adjustments), keyed there', () => {
    const state = given(...when(given(), [flow(9, { period: '2026-07', billedPeriod: '2026-07' })], '2026-05'));
    const [event] = when(state, [flow(1, { period: '2026-05', billedPeriod: '2026-05' })]);
    expect(event!.rows).toEqual([expect.objectContaining({ period: '2026-05', billedPeriod: '2026-06', bytes: 100n })]);
    expect(event!.keys).toEqual(new Map([['2026-06', [key(1)]]]));
    expect(when(given(...when(state, [flow(1)])), [flow(1)])).toEqual([]); // and its redelivery finds it there
  });

  it('never moves the final mark back (an instance with a slower clock)', () => {
    const state = given(...when(given(), [flow(1, { period: '2026-07', billedPeriod: '2026-07' })], '2026-06'));
    expect(when(state, [flow(2, { period: '2026-07', billedPeriod: '2026-07' })], '2026-04')[0]!.finalThrough).toBe('2026-06');
  });

  it('snapshots its keys and reads them back', () => {
    const state = given(...when(given(), [flow(1), flow(2, { period: '2026-06', billedPeriod: '2026-06' })], '2026-04'));
    const back = partitionStateJson.fromJson(JSON.parse(JSON.stringify(partitionStateJson.toJson(state))));
    expect(back).toEqual(state);
    expect(() => splitKeys('abc')).toThrow();
  });

  it('spreads networks over partitions, the same network always to the same one', () => {
    expect(partitionOf('net_01ABC', 16)).toBe(partitionOf('net_01ABC', 16));
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`net_${i}`, 16)));
    expect(used.size).toBe(16);
    expect(partitionOf('net_x', 1)).toBe(0);
  });
});

describe('final through: the newest final invoice', () => {
  const grace = 48 * 3_600_000;
  it('is the month before, once the grace after it has passed and everything before then is metered', () => {
    expect(finalThrough(grace, Date.UTC(2026, 5, 10), Date.UTC(2026, 5, 10))).toBe('2026-05');
    expect(finalThrough(grace, Date.UTC(2026, 5, 2, 12), Date.UTC(2026, 5, 2, 12))).toBe('2026-04'); // May's grace still running
    expect(finalThrough(grace, Date.UTC(2026, 5, 10), Date.UTC(2026, 4, 20))).toBe('2026-04'); // metered only up to May 20
    expect(finalThrough(grace, Date.UTC(2026, 5, 10), 0)).toBe(''); // nothing metered yet
  });
});
