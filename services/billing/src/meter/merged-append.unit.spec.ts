import { describe, expect, it } from '@jest/globals';
import { BUS_PAYLOAD_LIMIT, commitBytesOf, decideBatch, eventBytesOf, type MeteredFlow } from '@pn/billing-domain';
import { partitionEventCodec } from './flow-events.js';
import { appendTaken, type WaitingBatch } from './merged-append.js';
import { meteredFlow } from '../../../../libs/billing/domain/src/testing/metered-flow.js';

const BUDGET = Math.floor(BUS_PAYLOAD_LIMIT * 0.75);

// Larger than the domain specs' flow, and each of its own resource: sizes near the real ones.
const flow = (n: number, over: Partial<MeteredFlow> = {}): MeteredFlow =>
  meteredFlow(n, { bytes: 123_456_789n, accountId: 'acc_00000001', projectId: 'prj_00000001', resourceId: `vm_${n}`, resourceName: `web-server-${n}`, ...over });
const distinct = (n: number, base = 0) => Array.from({ length: n }, (_, i) => flow(base + i));

/** The commit the JetStream store writes for an event (commit.ts): its base64 in JSON. */
const commitOf = (flows: MeteredFlow[]) => {
  const [event] = decideBatch({ flows, finalThrough: '' }, { finalThrough: '', keys: new Map(), sampled: new Map() });
  const { data } = partitionEventCodec.encode(event!);
  const wire = { v: 1, stream: 'meter-p15', prev: 123_456_789, first: 123_456, events: [{ id: '01234567-89ab-cdef-0123-456789abcdef', type: 'FlowsMetered', data: Buffer.from(data).toString('base64'), metadata: {} }] };
  return Buffer.byteLength(JSON.stringify(wire));
};

describe('the estimate of a partition append', () => {
  it('given flows of a row each, rejected ones and shared rows, then the estimate is at least the commit as written', () => {
    const shapes = [
      distinct(1000),
      Array.from({ length: 1000 }, (_, i) => flow(i, { resourceId: 'vm_1', resourceName: 'web' })),
      Array.from({ length: 500 }, (_, i) => flow(i, { class: 'rejected', reason: 'no resource holds 8.8.8.8 then (refused)', resourceId: '' })),
      distinct(300).map((f, i) => ({ ...f, resourceName: `ünïcødé-${i}`, day: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}` })),
    ];
    for (const flows of shapes) expect(commitBytesOf(eventBytesOf(flows))).toBeGreaterThanOrEqual(commitOf(flows));
  });
});

const waiting = (flows: MeteredFlow[]) => {
  const outcome: { ok?: boolean; error?: unknown } = {};
  const batch: WaitingBatch = { flows, parked: [], bytes: eventBytesOf(flows), resolve: () => (outcome.ok = true), reject: (error) => ((outcome.ok = false), (outcome.error = error)) };
  return { batch, outcome };
};

/** An append that fails as the bus does for a commit over its payload limit, or for one poisoned flow. */
const bus = (appended: MeteredFlow[][]) => async (flows: MeteredFlow[]) => {
  if (commitOf(flows) > BUS_PAYLOAD_LIMIT) throw new Error('maximum payload exceeded');
  if (flows.some((f) => f.flowId === 'poison')) throw new Error('poison');
  appended.push(flows);
};

describe('appending the batches one append takes', () => {
  it('given a merged append that fails for one batch, when it is retried, then every other batch is recorded alone and only that one fails', async () => {
    const appended: MeteredFlow[][] = [];
    const a = waiting(distinct(10, 0));
    const b = waiting([flow(100, { flowId: 'poison' })]);
    const c = waiting(distinct(10, 200));
    await appendTaken([a.batch, b.batch, c.batch], bus(appended), BUDGET);
    expect([a.outcome.ok, b.outcome.ok, c.outcome.ok]).toEqual([true, false, true]);
    expect(appended.flat().map((f) => f.dedupKey)).toEqual([...a.batch.flows, ...c.batch.flows].map((f) => f.dedupKey));
  });

  it('given one message of ten thousand distinct rows, when it is appended, then it is recorded in pieces the bus accepts', async () => {
    const appended: MeteredFlow[][] = [];
    const big = waiting(distinct(10_000));
    await appendTaken([big.batch], bus(appended), BUDGET);
    expect(big.outcome).toEqual({ ok: true });
    expect(appended.flat()).toHaveLength(10_000);
  });

  it('given batches that fit together, then they are one append', async () => {
    const appended: MeteredFlow[][] = [];
    const a = waiting(distinct(10, 0));
    const b = waiting(distinct(10, 100));
    await appendTaken([a.batch, b.batch], bus(appended), BUDGET);
    expect(appended).toHaveLength(1);
    expect([a.outcome.ok, b.outcome.ok]).toEqual([true, true]);
  });
});
