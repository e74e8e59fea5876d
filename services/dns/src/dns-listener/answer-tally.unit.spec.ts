import { describe, expect, it } from '@jest/globals';
import { ANSWER_BUCKETS, AnswerCounter } from './answer-tally.js';

describe('AnswerCounter', () => {
  it('counts answers by rcode and by duration bucket, with each bucket’s summed time', () => {
    const counter = new AnswerCounter();
    counter.add(0, 0.005); // 5 µs: the first bucket
    counter.add(0, 0.007);
    counter.add(3, 2000); // past the last bound

    const tally = counter.take()!;
    expect(tally.rcodes).toEqual([[0, 2], [3, 1]]);
    expect(tally.buckets).toHaveLength(ANSWER_BUCKETS.length + 1);
    expect(tally.buckets[0]![0]).toBe(2);
    expect(tally.buckets[0]![1]).toBeCloseTo(0.012);
    expect(tally.buckets.at(-1)).toEqual([1, 2000]);
  });

  it('starts again from nothing after each take, and has nothing to say when nothing was answered', () => {
    const counter = new AnswerCounter();
    expect(counter.take()).toBeNull();
    counter.add(0, 0.01);
    counter.take();
    expect(counter.take()).toBeNull();
  });
});
