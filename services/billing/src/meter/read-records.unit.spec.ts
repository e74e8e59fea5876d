import { describe, expect, it } from '@jest/globals';
import { rawOf, readRecords } from './read-records.js';

const text = (s: string) => new TextEncoder().encode(s);
const records = (s: string, vpc: boolean) => {
  const read = readRecords(text(s), vpc);
  if (!read.ok) throw new Error(read.reason);
  return read.value;
};

describe('flow records', () => {
  it('shows an element as JSON again, and a line as received', () => {
    expect(records('[{"bytes":-1}]', false).map(rawOf)).toEqual(['{"bytes":-1}']);
    expect(records('2 acc_1 eni-1 garbage\n', true).map(rawOf)).toEqual(['2 acc_1 eni-1 garbage']);
  });

  it('shows an element nested too deep to serialise without throwing, so it can be parked', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const [record] = records(deep, false);
    expect(record!.parsed.ok).toBe(false);
    expect(() => rawOf(record!)).not.toThrow();
    expect(rawOf(record!)).toMatch(/cannot be shown/);
  });

  it.each([
    ['plain text', text('not-flows'), false, 'not_json'],
    ['binary bytes', Uint8Array.from([0xff, 0x00, 0xfe]), false, 'binary'],
    ['binary bytes as VPC lines', Uint8Array.from([0xff, 0x00, 0xfe]), true, 'binary'],
    ['a JSON number', text('42'), false, 'wrong_shape'],
    ['JSON null', text('null'), false, 'wrong_shape'],
  ])('takes %s for garbage, not for a flow to park', (_, bytes, vpc, reason) => {
    expect(readRecords(bytes, vpc)).toMatchObject({ ok: false, reason });
  });
});
