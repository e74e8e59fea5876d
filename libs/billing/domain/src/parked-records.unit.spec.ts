import { describe, expect, it } from '@jest/globals';
import { meterPartitionDecider as decider, partitionStateJson, type PartitionEvent, type PartitionState } from './meter-partition.js';
import { parkedKey, SAMPLE_PER_NETWORK_MONTH, SAMPLES_PER_EVENT, type ParkedFlow, type RecordsParked } from './parked-records.js';

const record = (seq: number, over: Partial<ParkedFlow> = {}): ParkedFlow => ({
  subject: 'telemetry.flows',
  raw: `{"bytes":-1,"pad":"${'x'.repeat(4000)}"}`,
  reason: 'bytes must be a non-negative integer',
  networkId: 'net_1',
  accountId: 'acc_1',
  arrivedAtMs: Date.UTC(2026, 4, 10),
  period: '2026-05',
  dedupKey: parkedKey('FLOWS', seq, 0),
  ...over,
});
const given = (...events: PartitionEvent[]): PartitionState => events.reduce(decider.evolve, decider.initialState());
const when = (state: PartitionState, parked: ParkedFlow[], finalThrough = '') => decider.decide({ flows: [], parked, finalThrough }, state) as RecordsParked[];
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => record(from + i));

describe('parked records', () => {
  it('given nothing, when records are parked, then each is counted once per account, network and month, with a sample of their text', () => {
    const [event] = when(given(), [record(1), record(2), record(3, { networkId: 'net_2' }), record(2)]);
    expect(event!.counts).toEqual([
      { accountId: 'acc_1', networkId: 'net_1', period: '2026-05', count: 2 },
      { accountId: 'acc_1', networkId: 'net_2', period: '2026-05', count: 1 },
    ]);
    expect(event!.samples.map((s) => s.networkId)).toEqual(['net_1', 'net_1', 'net_2']);
  });

  it('given records parked, when their message comes again (a redelivery), then nothing is decided', () => {
    const state = given(...when(given(), range(1, 3)));
    expect(when(state, range(1, 3))).toEqual([]);
  });

  it('given a flood, then the sample stops at its bound per network and month while the counts stay exact', () => {
    let state = given();
    let counted = 0;
    let sampled = 0;
    for (let i = 0; i < 10_000; i += 500) {
      const events = when(state, range(i, 500));
      state = events.reduce(decider.evolve, state);
      for (const e of events) {
        counted += e.counts.reduce((n, c) => n + c.count, 0);
        sampled += e.samples.length;
        expect(e.samples.length).toBeLessThanOrEqual(SAMPLES_PER_EVENT);
      }
    }
    expect(counted).toBe(10_000);
    expect(sampled).toBe(SAMPLE_PER_NETWORK_MONTH);
    // A month later: another sample.
    expect(when(state, [record(20_000, { period: '2026-06' })])[0]!.samples).toHaveLength(1);
  });

  it('given a month final, then its parked keys and sample counts are forgotten, and a snapshot keeps what is left', () => {
    const state = given(...when(given(), [record(1), record(2, { period: '2026-06' })]));
    const after = when(state, [record(3, { period: '2026-06' })], '2026-05').reduce(decider.evolve, state);
    expect([...after.keys.keys()]).toEqual(['2026-06']);
    expect(after.keys.get('2026-06')?.size).toBe(2);
    expect([...after.sampled]).toEqual([['2026-06|net_1', 2]]);
    expect(partitionStateJson.fromJson(partitionStateJson.toJson(after))).toEqual(after);
  });
});
