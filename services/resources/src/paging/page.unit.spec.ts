import { describe, expect, it } from '@jest/globals';
import { jsonBytes, MAX_PAGE, pageAfter, pageSize, REPLY_BUDGET_BYTES, withinBytes } from './page.js';

describe('pages', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const self = (s: string) => s;

  it('takes the default size when none is asked for, and never more than MAX_PAGE', () => {
    expect(pageSize(0, 50)).toBe(50);
    expect(pageSize(7, 50)).toBe(7);
    expect(pageSize(10_000, 50)).toBe(MAX_PAGE);
  });

  it('walks a sorted list page by page, saying whether more follow', () => {
    expect(pageAfter(ids, self, '', 2)).toEqual({ items: ['a', 'b'], more: true });
    expect(pageAfter(ids, self, 'b', 2)).toEqual({ items: ['c', 'd'], more: true });
    expect(pageAfter(ids, self, 'd', 2)).toEqual({ items: ['e'], more: false });
    expect(pageAfter(ids, self, 'c', 2)).toEqual({ items: ['d', 'e'], more: false });
    expect(pageAfter([], self, '', 2)).toEqual({ items: [], more: false });
  });

  it('goes on after an item that is gone since the cursor named it', () => {
    expect(pageAfter(['a', 'c', 'e'], self, 'b', 10)).toEqual({ items: ['c', 'e'], more: false });
    expect(pageAfter(['a', 'c', 'e'], self, 'z', 10)).toEqual({ items: [], more: false });
  });
});

describe('the byte budget of a page', () => {
  it('keeps every item that fits', () => {
    expect(withinBytes([10, 10, 10], (n) => n, 100)).toEqual([10, 10, 10]);
  });

  it('cuts a page of large items before it passes the budget, counting what joins them', () => {
    expect(withinBytes([40, 40, 40], (n) => n, 100)).toEqual([40, 40]);
    expect(withinBytes([50, 49], (n) => n, 100)).toEqual([50]); // 51 + 50 bytes with the commas
  });

  it('always takes the first item, so a page is never empty and paging moves on', () => {
    expect(withinBytes([500, 1], (n) => n, 100)).toEqual([500]);
    expect(withinBytes([], (n: number) => n, 100)).toEqual([]);
  });

  it('keeps a page of 100 history entries of 100 KB each far below the bus limit', () => {
    const huge = Array.from({ length: 100 }, (_, revision) => ({ type: 'ResourceRequested', at: new Date(0).toISOString(), revision, dataJson: JSON.stringify({ name: 'x'.repeat(100_000) }) }));
    const page = withinBytes(huge, jsonBytes, REPLY_BUDGET_BYTES);
    expect(page.length).toBe(5);
    expect(jsonBytes({ events: page, nextCursor: 'aC4xMjMuNDU2' })).toBeLessThanOrEqual(REPLY_BUDGET_BYTES + 100);
    // As JSON the event's own JSON is escaped: its quotes count double.
    expect(jsonBytes(huge[0])).toBeGreaterThan(100_000);
  });
});
