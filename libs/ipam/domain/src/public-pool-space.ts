// Which addresses of a public pool's range are free (as numbers: any range
// of the pool has its own space, and offsets are the addresses themselves). Memory
// grows with the addresses ever used, not with the pool (a /8 pool costs
// nothing until used): offsets never handed out are everything from
// `nextFresh` on; offsets handed out and back again wait in a quarantine heap
// (by time), then in a free heap (by offset). Lowest free first is the
// smaller of the free heap's top and `nextFresh`, O(log n). Mutable for the
// same reason as AddressSpace.
import { MinHeap } from './min-heap.js';

export interface SavedPoolSpace {
  readonly nextFresh: number;
  readonly free: number[];
  readonly quarantined: Array<[offset: number, until: number]>;
}

export class PoolSpace {
  private nextFresh: number;
  private readonly free = new MinHeap<number>((a, b) => a < b);
  /** Offsets on the free heap (a set, so one freed twice is there once). */
  private readonly onFreeHeap = new Set<number>();
  private readonly quarantined = new MinHeap<{ offset: number; until: number }>((a, b) => a.until < b.until);

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    this.nextFresh = first;
  }

  /** Lowest free offset, or undefined when every one is held or quarantined. */
  lowestFree(): number | undefined {
    const reused = this.free.peek();
    if (reused !== undefined) return reused; // always below nextFresh
    return this.nextFresh <= this.last ? this.nextFresh : undefined;
  }

  /**
   * What lowestFree would give once every quarantine ended by `now` is
   * released, without releasing it (decide reads; evolve releases). An
   * offset in quarantine was handed out, so it is below nextFresh.
   */
  lowestFreeAt(now: number): number | undefined {
    let lowest = this.lowestFree();
    for (const q of this.quarantined.collectWhile((q) => q.until <= now)) {
      if (q.offset >= this.first && q.offset <= this.last && (lowest === undefined || q.offset < lowest)) lowest = q.offset;
    }
    return lowest;
  }

  /** Marks a free offset used (the one lowestFree gave, when replaying a decision). */
  take(offset: number): void {
    if (this.onFreeHeap.has(offset)) {
      this.onFreeHeap.delete(offset);
      // Taken is always the top (lowest first); anything else is pulled out the slow way.
      if (this.free.peek() === offset) this.free.pop();
      else this.rebuildFreeWithout(offset);
      return;
    }
    // Past the fresh edge: what was skipped (only by an event this code did not decide) stays free.
    for (let skipped = this.nextFresh; skipped < offset; skipped++) this.pushFree(skipped);
    this.nextFresh = Math.max(this.nextFresh, offset + 1);
  }

  /** Keeps an offset out of use until `until` (ms since epoch). */
  quarantine(offset: number, until: number): void {
    this.quarantined.push({ offset, until });
  }

  /** Frees every quarantined offset whose time has come. */
  releaseExpired(now: number): void {
    for (let next = this.quarantined.peek(); next && next.until <= now; next = this.quarantined.peek()) {
      this.quarantined.pop();
      this.pushFree(next.offset);
    }
  }

  /** Every offset in quarantine (ended or not, until released), with its end. */
  quarantinedEntries(): Array<[offset: number, until: number]> {
    return this.quarantined.toArray().map((q) => [q.offset, q.until]);
  }

  toJson(): SavedPoolSpace {
    return { nextFresh: this.nextFresh, free: [...this.onFreeHeap], quarantined: this.quarantined.toArray().map((q) => [q.offset, q.until]) };
  }

  static fromJson(saved: SavedPoolSpace, first: number, last: number): PoolSpace {
    const space = new PoolSpace(first, last);
    space.nextFresh = saved.nextFresh;
    for (const offset of saved.free) space.pushFree(offset);
    for (const [offset, until] of saved.quarantined) space.quarantined.push({ offset, until });
    return space;
  }

  private pushFree(offset: number): void {
    if (offset < this.first || offset > this.last || this.onFreeHeap.has(offset)) return;
    this.onFreeHeap.add(offset);
    this.free.push(offset);
  }

  private rebuildFreeWithout(offset: number): void {
    const rest = this.free.toArray().filter((o) => o !== offset);
    while (this.free.size > 0) this.free.pop();
    for (const o of rest) this.free.push(o);
  }
}
