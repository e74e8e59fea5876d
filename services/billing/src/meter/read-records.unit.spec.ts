import { describe, expect, it } from '@jest/globals';
import { rawOf, readRecords } from './read-records.js';

describe('flow records', () => {
  it('shows an element as JSON again, and a line as received', () => {
    expect(readRecords('[{"bytes":-1}]', false).map(rawOf)).toEqual(['{"bytes":-1}']);
    expect(readRecords('2 acc_1 eni-1 garbage\n', true).map(rawOf)).toEqual(['2 acc_1 eni-1 garbage']);
  });

  it('shows an element nested too deep to serialise without throwing, so it can be parked', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const [record] = readRecords(deep, false);
    expect(record!.parsed.ok).toBe(false);
    expect(() => rawOf(record!)).not.toThrow();
    expect(rawOf(record!)).toMatch(/cannot be shown/);
  });
});
