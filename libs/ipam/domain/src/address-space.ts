// The addresses of one /16 network, as offsets 0..65535 (block = offset >> 8,
// host = offset & 255). Each kind of resource draws from its own /24 blocks:
// a home block (vm .1, database .2, cache .3, bucket .4) and, once that is
// full, the next spare /24. Block 0 (network, gateway, resolver, platform) and
// the .0/.255 of every block are never handed out.
//
// Every operation is O(log n) or better: a bitmap answers "is it used", a
// per-kind heap of blocks with room gives the lowest open block, and a heap of
// quarantined addresses releases them in time order. This is mutable on
// purpose: copying 64k addresses per event would make allocation O(n).
import { MinHeap } from './min-heap.js';

export const RESOURCE_KINDS = ['vm', 'database', 'cache', 'bucket'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface SavedAddressSpace {
  readonly used: string;
  readonly blockKind: number[];
  readonly quarantined: Array<[offset: number, until: number]>;
  readonly nextSpareBlock: number;
}

function popcount(word: number): number {
  let n = 0;
  for (let w = word >>> 0; w !== 0; w &= w - 1) n++;
  return n;
}

const HOME_BLOCK: Record<ResourceKind, number> = { vm: 1, database: 2, cache: 3, bucket: 4 };
const BLOCKS = 256;
const HOSTS_PER_BLOCK = 254; // .1 to .254

export class AddressSpace {
  private readonly used = new Uint32Array((BLOCKS * 256) / 32);
  private readonly usedInBlock = new Uint16Array(BLOCKS);
  private readonly blockKind = new Array<ResourceKind | undefined>(BLOCKS);
  private readonly inOpenHeap = new Uint8Array(BLOCKS);
  private readonly openBlocks = new Map<ResourceKind, MinHeap<number>>();
  private readonly quarantined = new MinHeap<{ offset: number; until: number }>((a, b) => a.until < b.until);
  private nextSpareBlock = 1;

  constructor() {
    for (const kind of RESOURCE_KINDS) {
      this.openBlocks.set(kind, new MinHeap<number>((a, b) => a < b));
      this.claim(HOME_BLOCK[kind], kind);
    }
  }

  isUsed(offset: number): boolean {
    return (this.used[offset >>> 5]! & (1 << (offset & 31))) !== 0;
  }

  /** Lowest free offset for the kind, or undefined when the network is full. Changes nothing visible. */
  lowestFree(kind: ResourceKind): number | undefined {
    const block = this.lowestOpenBlock(kind) ?? this.spareBlock();
    return block === undefined ? undefined : this.lowestFreeHost(block);
  }

  /**
   * The offset lowestFree would give once every quarantine ended by `now` is
   * released, without releasing it: decide reads this, and evolve makes it so
   * (releaseExpired with the event's time, then take), so the state decide
   * was given is never changed and a replay of the events gives the cached state.
   */
  lowestFreeAt(kind: ResourceKind, now: number): number | undefined {
    let ended: number | undefined;
    for (const q of this.quarantined.collectWhile((q) => q.until <= now)) {
      if (this.blockKind[q.offset >>> 8] === kind && this.isUsed(q.offset) && (ended === undefined || q.offset < ended)) ended = q.offset;
    }
    const open = this.lowestOpenBlock(kind);
    // Released, an ended offset's block joins the open blocks: it wins over a spare block whatever its number.
    if (open === undefined) return ended ?? this.lowestFree(kind);
    const current = this.lowestFreeHost(open)!;
    return ended === undefined ? current : Math.min(current, ended);
  }

  /** Addresses that could be handed out (every block but the platform's, .1–.254), less those used or quarantined. */
  freeCount(): number {
    let used = 0;
    for (let block = 1; block < BLOCKS; block++) used += this.usedInBlock[block]!;
    return (BLOCKS - 1) * HOSTS_PER_BLOCK - used;
  }

  /** Marks an offset used by the kind; claims its block for the kind when it had none. */
  take(offset: number, kind: ResourceKind): void {
    const block = offset >>> 8;
    if (this.blockKind[block] === undefined) this.claim(block, kind);
    if (this.isUsed(offset)) return;
    this.used[offset >>> 5]! |= 1 << (offset & 31);
    this.usedInBlock[block]!++;
  }

  /**
   * Everything that decides the next allocation, as plain data, for a
   * snapshot: the used bitmap, which kind claimed each block, the quarantine,
   * and how far spare blocks were handed out. The heaps are rebuilt from them.
   */
  toJson(): SavedAddressSpace {
    return {
      used: Buffer.from(this.used.buffer, this.used.byteOffset, this.used.byteLength).toString('base64'),
      blockKind: this.blockKind.map((k) => (k === undefined ? 0 : RESOURCE_KINDS.indexOf(k) + 1)),
      quarantined: this.quarantined.toArray().map((q) => [q.offset, q.until]),
      nextSpareBlock: this.nextSpareBlock,
    };
  }

  static fromJson(saved: SavedAddressSpace): AddressSpace {
    const space = new AddressSpace();
    const used = Buffer.from(saved.used, 'base64');
    if (used.byteLength !== space.used.byteLength || saved.blockKind.length !== BLOCKS) throw new Error('address space snapshot has the wrong size');
    space.used.set(new Uint32Array(used.buffer, used.byteOffset, space.used.length));
    for (let block = 0; block < BLOCKS; block++) {
      let count = 0;
      for (let w = block << 3; w < (block + 1) << 3; w++) count += popcount(space.used[w]!);
      space.usedInBlock[block] = count;
      const kind = RESOURCE_KINDS[saved.blockKind[block]! - 1];
      // Home blocks were claimed by the constructor; claim the others as they were.
      if (kind !== undefined && space.blockKind[block] === undefined) space.claim(block, kind);
    }
    for (const [offset, until] of saved.quarantined) space.quarantined.push({ offset, until });
    // Older snapshots may hold a value left behind claimed blocks.
    space.nextSpareBlock = saved.nextSpareBlock;
    space.skipClaimed();
    return space;
  }

  /** Keeps an offset out of use until `until` (ms since epoch). */
  quarantine(offset: number, until: number): void {
    this.quarantined.push({ offset, until });
  }

  /** Frees every quarantined offset whose time has come. */
  releaseExpired(now: number): void {
    for (let next = this.quarantined.peek(); next && next.until <= now; next = this.quarantined.peek()) {
      this.quarantined.pop();
      this.free(next.offset);
    }
  }

  private free(offset: number): void {
    if (!this.isUsed(offset)) return;
    this.used[offset >>> 5]! &= ~(1 << (offset & 31));
    const block = offset >>> 8;
    this.usedInBlock[block]!--;
    const kind = this.blockKind[block];
    if (kind && !this.inOpenHeap[block]) {
      this.inOpenHeap[block] = 1;
      this.openBlocks.get(kind)!.push(block);
    }
  }

  private claim(block: number, kind: ResourceKind): void {
    this.blockKind[block] = kind;
    this.inOpenHeap[block] = 1;
    this.openBlocks.get(kind)!.push(block);
    this.skipClaimed();
  }

  /** The lowest /24 no kind has claimed yet (block 0 is the platform's): kept current by claim, so reading it changes nothing. */
  private spareBlock(): number | undefined {
    return this.nextSpareBlock < BLOCKS ? this.nextSpareBlock : undefined;
  }

  /** Blocks are never unclaimed: every block below nextSpareBlock is claimed, so it only moves up over claimed ones. */
  private skipClaimed(): void {
    while (this.nextSpareBlock < BLOCKS && this.blockKind[this.nextSpareBlock] !== undefined) this.nextSpareBlock++;
  }

  /** The kind's lowest block with room. Full blocks are dropped from its heap lazily here: that changes no answer. */
  private lowestOpenBlock(kind: ResourceKind): number | undefined {
    const heap = this.openBlocks.get(kind)!;
    while (heap.size > 0 && this.usedInBlock[heap.peek()!] === HOSTS_PER_BLOCK) {
      this.inOpenHeap[heap.pop()!] = 0;
    }
    return heap.peek();
  }

  private lowestFreeHost(block: number): number | undefined {
    const firstWord = block << 3; // 8 words of 32 bits per block
    for (let i = 0; i < 8; i++) {
      // Hosts .0 (bit 0 of the first word) and .255 (bit 31 of the last) are never free.
      const mask = i === 0 ? 0xfffffffe : i === 7 ? 0x7fffffff : 0xffffffff;
      const free = ~this.used[firstWord + i]! & mask;
      if (free !== 0) return ((firstWord + i) << 5) + (31 - Math.clz32(free & -free));
    }
    return undefined;
  }
}
