import { describe, expect, it } from '@jest/globals';
import { median, quantile } from './stats.js';

describe('bench statistics', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose

  it('takes p99 of 100 values as the second largest, never the max', () => {
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 1)).toBe(100);
    expect(quantile(hundred, 0)).toBe(1);
  });

  it('takes the middle for p50 and the median, and leaves its input as it was', () => {
    expect(quantile(hundred, 0.5)).toBe(50);
    expect(median([3, 1, 2])).toBe(2);
    expect(hundred[0]).toBe(100);
  });
});
