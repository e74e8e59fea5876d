import { describe, expect, it } from '@jest/globals';
import { decodeTime, ulid } from 'ulid';
import { newUlid } from './ulid.js';

describe('newUlid', () => {
  it('is 26 lower-case Crockford characters whose time is the given millisecond, read back as the ulid package reads it', () => {
    for (const now of [0, 1, 1_764_000_000_000, 2 ** 48 - 1]) {
      const id = newUlid(now);
      expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
      expect(decodeTime(id.toUpperCase())).toBe(now);
    }
    expect(newUlid(1_764_000_000_000).slice(0, 10)).toBe(ulid(1_764_000_000_000).slice(0, 10).toLowerCase());
    expect(() => newUlid(-1)).toThrow(RangeError);
    expect(() => newUlid(2 ** 48)).toThrow(RangeError);
  });

  it('orders ids by their millisecond', () => {
    const ids = [3, 1, 2, 1_000_000, 999_999].map((ms) => ({ ms, id: newUlid(ms) }));
    expect(ids.sort((a, b) => (a.id < b.id ? -1 : 1)).map((x) => x.ms)).toEqual([1, 2, 3, 999_999, 1_000_000]);
  });

  it('carries 80 fresh random bits: ids of one millisecond are neither equal nor consecutive, and every random character is uniform', () => {
    const n = 64_000;
    const ids = Array.from({ length: n }, () => newUlid(5_000));
    expect(new Set(ids).size).toBe(n);
    // A monotonic factory would make most neighbours differ only in their last character.
    const sameButLast = ids.slice(1).filter((id, i) => id.slice(0, 25) === ids[i]!.slice(0, 25)).length;
    expect(sameButLast).toBeLessThan(20);
    // Chi-square per random position (31 degrees of freedom): 100 is far beyond
    // the 99.999th percentile (~75), and any stuck or biased bit lands far above it.
    for (let position = 10; position < 26; position++) {
      const counts = new Array<number>(32).fill(0);
      for (const id of ids) counts['0123456789abcdefghjkmnpqrstvwxyz'.indexOf(id[position]!)]!++;
      const expected = n / 32;
      const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      expect(chiSquare).toBeLessThan(100);
    }
  });
});
