// Every list that crosses the bus is a page, so no reply can outgrow NATS's
// payload limit (1 MB by default; a reply over it is never delivered and the
// caller sees a timeout, for ever): at most MAX_PAGE items and, where items
// vary in size (a resource's event history), cut earlier by bytes. A page
// that stops short of the end hands out a cursor for the next one.

export const MAX_PAGE = 100;
/** Projects, topology and event history; resource lists keep their 20. */
export const DEFAULT_PAGE = 50;

/**
 * The most a page's items may take, as JSON. Half of NATS's default
 * max_payload: the reply's envelope and encoding fit in the other half, as
 * would a server configured down to 768 KB.
 */
export const REPLY_BUDGET_BYTES = 512 * 1024;

/** The page size asked for (0: `fallback`), never above MAX_PAGE. */
export function pageSize(requested: number, fallback: number): number {
  return Math.min(requested || fallback, MAX_PAGE);
}

/**
 * The items whose key comes after `after` ('' for the first page), at most
 * `limit` of them, and whether more follow. `sorted` is in ascending key order.
 */
export function pageAfter<T>(sorted: readonly T[], key: (item: T) => string, after: string, limit: number): { items: T[]; more: boolean } {
  let start = 0;
  if (after) {
    // Binary search for the first key past the cursor: the item it named may be gone since.
    let end = sorted.length;
    while (start < end) {
      const middle = (start + end) >>> 1;
      if (key(sorted[middle]!) <= after) start = middle + 1;
      else end = middle;
    }
  }
  return { items: sorted.slice(start, start + limit), more: start + limit < sorted.length };
}

/**
 * The longest run of `items` from the first whose sizes add up to at most
 * `budget` bytes. The first item is always taken, so every page moves on; one
 * item alone is bounded where it was made (a request body is at most 256 KB).
 */
export function withinBytes<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number): T[] {
  let used = 0;
  let taken = 0;
  for (const item of items) {
    used += sizeOf(item) + 1; // and the comma between items
    if (taken > 0 && used > budget) break;
    taken++;
  }
  return items.slice(0, taken);
}

/** Bytes of a value as JSON, as it crosses the bus. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');
