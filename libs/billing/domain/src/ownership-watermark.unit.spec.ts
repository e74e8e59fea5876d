import { describe, expect, it } from '@jest/globals';
import { neededFor, readWatermark, settleWatermarks } from './ownership-watermark.js';

describe("the publisher's watermark", () => {
  it('given the fact at its sequence applied, then the record is complete through its time', () => {
    expect(settleWatermarks([{ throughMs: 5_000, seq: 10 }], 0, 10, Infinity)).toEqual({ completeMs: 5_000, waiting: [] });
  });

  it('given facts up to its sequence not applied yet, then it waits', () => {
    expect(settleWatermarks([{ throughMs: 5_000, seq: 10 }], 1_000, 8, 9)).toEqual({ completeMs: 1_000, waiting: [{ throughMs: 5_000, seq: 10 }] });
  });

  it('given only messages that are not facts between the last fact applied and its sequence, then it is covered (a foreign message does not stall it)', () => {
    expect(settleWatermarks([{ throughMs: 5_000, seq: 10 }], 1_000, 8, Infinity).completeMs).toBe(5_000);
    expect(settleWatermarks([{ throughMs: 5_000, seq: 10 }], 1_000, 8, 11).completeMs).toBe(5_000);
  });

  it('never moves the record back (an older watermark, or one of a slower instance of the publisher)', () => {
    expect(settleWatermarks([{ throughMs: 2_000, seq: 3 }], 5_000, 10, Infinity).completeMs).toBe(5_000);
  });

  it('a flow waits for the whole of its second', () => {
    expect(neededFor(7_000)).toBe(8_000);
  });

  it('reads what the publisher writes, and nothing else', () => {
    expect(readWatermark('{"through_ms":1700000000000,"seq":42}')).toEqual({ throughMs: 1_700_000_000_000, seq: 42 });
    expect(readWatermark('{"through_ms":"soon","seq":42}')).toBeUndefined();
    expect(readWatermark('not json')).toBeUndefined();
  });
});
