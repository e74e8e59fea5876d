// Ids that are done (an address given back, names removed) and must be
// refused if they come back late. A plain set of them would grow with every
// resource ever deleted; this one stays bounded. Ids are `<prefix>_<ULID>`,
// and a ULID carries its creation time: once an id is older than a horizon
// (24 h by default) behind the newest retirement, it is retired by age alone
// and leaves the set. The price: a resource still waiting for its first
// address or name a whole horizon after it was created is refused — a create
// stuck that long has failed anyway.
//
// `isRetired` answers for ids that hold nothing now: callers check "holds
// something" first, so an old resource that does hold an address is never
// taken for retired by its age.
const ULID_TIME = /^[0-9A-HJKMNP-TV-Z]{10}/i;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const RETIRED_HORIZON_MS = 24 * 3600 * 1000;

/** Creation time (ms) from a `<prefix>_<ULID>` id, or undefined when it is not one. */
export function ulidTimeOf(id: string): number | undefined {
  const ulid = id.slice(id.indexOf('_') + 1);
  if (ulid.length !== 26 || !ULID_TIME.test(ulid)) return undefined;
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + CROCKFORD.indexOf(ulid[i]!.toUpperCase());
  return time;
}

export class RetiredIds {
  private readonly ids = new Set<string>();
  /** Ids created before this are retired by age. */
  private watermarkMs = 0;
  private compactAt = 1024;

  constructor(private readonly horizonMs = RETIRED_HORIZON_MS) {}

  /** Retires an id at `atMs` (the event's time, so a replay gives the same set). */
  add(id: string, atMs: number): void {
    this.ids.add(id);
    this.watermarkMs = Math.max(this.watermarkMs, atMs - this.horizonMs);
    if (this.ids.size >= this.compactAt) this.compact();
  }

  isRetired(id: string): boolean {
    if (this.ids.has(id)) return true;
    const created = ulidTimeOf(id);
    return created !== undefined && created < this.watermarkMs;
  }

  get size(): number {
    return this.ids.size;
  }

  /** Drops ids retired by age; amortised O(1) per add (the next compaction waits for the set to double). */
  private compact(): void {
    for (const id of this.ids) {
      const created = ulidTimeOf(id);
      if (created !== undefined && created < this.watermarkMs) this.ids.delete(id);
    }
    this.compactAt = Math.max(1024, this.ids.size * 2);
  }

  toJson(): { watermarkMs: number; ids: string[] } {
    return { watermarkMs: this.watermarkMs, ids: [...this.ids] };
  }

  static fromJson(json: { watermarkMs: number; ids: string[] }, horizonMs = RETIRED_HORIZON_MS): RetiredIds {
    const retired = new RetiredIds(horizonMs);
    retired.watermarkMs = json.watermarkMs;
    for (const id of json.ids) retired.ids.add(id);
    retired.compactAt = Math.max(1024, retired.ids.size * 2);
    return retired;
  }
}
