import { describe, expect, it } from '@jest/globals';
import { RetiredIds, ulidTimeOf } from './retired-ids.js';

const HOUR = 3600_000;
// A ULID for a given time (random part fixed), as `vm_<ulid>`.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function idAt(ms: number, n = 0): string {
  let time = '';
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return `vm_${(time + String(n).padStart(16, '0')).toLowerCase()}`;
}

describe('RetiredIds', () => {
  it('reads the creation time of a ULID id, and nothing from another id', () => {
    expect(ulidTimeOf(idAt(1_700_000_000_000))).toBe(1_700_000_000_000);
    expect(ulidTimeOf('vm_1')).toBeUndefined();
  });

  it('given an id retired, when it comes back, it is retired', () => {
    const retired = new RetiredIds(24 * HOUR);
    retired.add(idAt(1000 * HOUR), 1000 * HOUR);
    expect(retired.isRetired(idAt(1000 * HOUR))).toBe(true);
    expect(retired.isRetired(idAt(1000 * HOUR, 1))).toBe(false);
  });

  it('treats ids created a horizon before the newest retirement as retired, without keeping them', () => {
    const retired = new RetiredIds(24 * HOUR);
    for (let i = 0; i < 5000; i++) retired.add(idAt(i * 60_000, i), i * 60_000 + 1000);
    // 5,000 retirements over ~83 h: only those of the last ~24 h (plus slack before the next compaction) are kept.
    expect(retired.size).toBeLessThan(2 * 24 * 60 + 1);
    expect(retired.isRetired(idAt(0, 0))).toBe(true); // by age
    expect(retired.isRetired(idAt(4999 * 60_000, 4999))).toBe(true); // kept
    expect(retired.isRetired(idAt(4999 * 60_000, 123_456))).toBe(false); // a newcomer of the same minute
  });

  it('keeps ids that are not ULIDs: nothing can be said of their age', () => {
    const retired = new RetiredIds(HOUR);
    retired.add('vm_legacy', 0);
    for (let i = 0; i < 3000; i++) retired.add(idAt(i * HOUR, i), i * HOUR);
    expect(retired.isRetired('vm_legacy')).toBe(true);
  });

  it('round-trips through JSON with its watermark', () => {
    const retired = new RetiredIds(24 * HOUR);
    retired.add(idAt(100 * HOUR), 100 * HOUR);
    const copy = RetiredIds.fromJson(JSON.parse(JSON.stringify(retired.toJson())), 24 * HOUR);
    expect(copy.isRetired(idAt(100 * HOUR))).toBe(true);
    expect(copy.isRetired(idAt(10 * HOUR, 7))).toBe(true);
    expect(copy.isRetired(idAt(99 * HOUR, 7))).toBe(false);
  });
});
