import { describe, expect, it } from '@jest/globals';
import { batchesToTake, BUS_PAYLOAD_LIMIT, commitBytesOf, eventBytesOf, splitBatch } from './meter-append-size.js';
import { meteredFlow as flow } from './testing/metered-flow.js';

/** Flows each of its own resource: one usage row each, the largest event a batch of egress flows makes. */
const distinct = (n: number, base = 0) => Array.from({ length: n }, (_, i) => flow(base + i, { resourceId: `vm_${base + i}`, resourceName: `web-${base + i}` }));

describe('the size of a partition append', () => {
  it('given flows of one row, then a flow costs its key and the row is counted once', () => {
    const one = eventBytesOf([flow(1)]);
    expect(eventBytesOf([flow(1), flow(2), flow(3)]) - one).toBe(2 * 33);
  });

  it('given flows of a row each, then every row counts (a thousand of them are far more than 40 bytes a flow)', () => {
    expect(eventBytesOf(distinct(1000))).toBeGreaterThan(1000 * 150);
  });

  it('given an event, then its commit carries it in base64', () => {
    expect(commitBytesOf(300_000)).toBeGreaterThanOrEqual(400_000);
  });
});

describe('how many waiting batches one append takes', () => {
  const budget = Math.floor(BUS_PAYLOAD_LIMIT * 0.75);

  it('given batches whose commit together stays within the budget, then it takes them all', () => {
    expect(batchesToTake([100_000, 100_000, 100_000], budget)).toBe(3);
  });

  it('given batches of a thousand distinct rows each, then it takes only as many as fit one commit', () => {
    const sizes = Array.from({ length: 10 }, (_, i) => eventBytesOf(distinct(1000, i * 1000)));
    const take = batchesToTake(sizes, budget);
    expect(take).toBeGreaterThanOrEqual(1);
    expect(take).toBeLessThan(10);
    expect(commitBytesOf(sizes.slice(0, take).reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(budget);
  });

  it('given a first batch over the budget alone, then it takes that one alone', () => {
    expect(batchesToTake([2 * budget, 10], budget)).toBe(1);
  });
});

describe('a batch too large for one append', () => {
  it('given ten thousand distinct rows, then it is split into pieces each within the budget, every flow once, in order', () => {
    const budget = Math.floor(BUS_PAYLOAD_LIMIT * 0.75);
    const flows = distinct(10_000);
    const pieces = splitBatch(flows, budget);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(commitBytesOf(eventBytesOf(piece))).toBeLessThanOrEqual(budget);
    expect(pieces.flat()).toEqual(flows);
  });

  it('given a batch within the budget, then it is one piece', () => {
    expect(splitBatch([flow(1), flow(2)], 100_000)).toHaveLength(1);
  });
});
