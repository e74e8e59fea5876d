// A binary min-heap: O(log n) push and pop, O(1) peek. Used where "lowest
// first" must stay cheap up to a full /16 (65,536 entries).
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The items in heap order (not sorted), for a snapshot. */
  toArray(): T[] {
    return [...this.items];
  }

  /**
   * The items for which `within` holds, in no order, without changing the
   * heap. `within` must hold for an item's parent whenever it holds for the
   * item (as "until <= now" does on a heap by `until`): subtrees where it
   * fails are skipped, so this costs O(items found), not O(n).
   */
  collectWhile(within: (item: T) => boolean): T[] {
    const found: T[] = [];
    const stack = this.items.length > 0 ? [0] : [];
    for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
      if (i >= this.items.length || !within(this.items[i]!)) continue;
      found.push(this.items[i]!);
      stack.push(2 * i + 1, 2 * i + 2);
    }
    return found;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.less(items[l]!, items[smallest]!)) smallest = l;
        if (r < items.length && this.less(items[r]!, items[smallest]!)) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
