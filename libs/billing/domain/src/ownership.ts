// Who held which address, over time: billing's own record of the integration
// events AddressHeld / AddressHoldEnded. Private addresses are per network
// (every network may use 10.0.1.1), public ones global. A holding is the
// half-open interval [from, until): an address released at t and reused
// later has two holdings, and a flow is matched to the one covering its time.
//
// Stored compactly: a month of churn (every create and delete adds a
// holding) must cost little. Holdings are slots in typed arrays, linked per
// address from the newest back; a resource's Holder is one shared object.
// Ended holdings older than the retention horizon are forgotten, and a
// resource re-taking its address within the second is one holding (see
// ownership-retention.ts). Facts are applied idempotently by what they say,
// not by remembering every event id: a resource already holding an address
// from that instant, a holding already ended at (or over) that instant, or a
// holding from before an end already forgotten, is the same fact again
// (ownership-facts.ts).
import { endsAnEarlierHolding, heldBeforeForgotten, repeatsEnded, repeatsHeld, type Held } from './ownership-facts.js';
import { bridgesNoSecond } from './ownership-retention.js';
import { SECOND_MS as SECOND } from './period.js';

export interface Holder {
  readonly resourceId: string;
  readonly accountId: string;
  readonly projectId: string;
  readonly networkId: string;
  readonly kind: string;
  readonly name: string;
}

export type Scope = 'private' | 'public';

export interface HeldFact extends Holder {
  readonly sourceEventId: string;
  readonly scope: Scope;
  readonly ip: string;
  readonly fromMs: number;
}

export interface EndedFact {
  readonly sourceEventId: string;
  readonly scope: Scope;
  readonly ip: string;
  readonly networkId: string;
  readonly resourceId: string;
  readonly untilMs: number;
}

const NONE = -1;
const OPEN = Number.POSITIVE_INFINITY;

/** A resource as holdings point at it, with how many holdings do (it is forgotten at zero). */
class HeldBy implements Holder {
  slots = 0;
  constructor(
    readonly resourceId: string,
    readonly accountId: string,
    readonly projectId: string,
    readonly networkId: string,
    readonly kind: string,
    readonly name: string,
  ) {}
}

const sameHolder = (a: Holder, b: Holder) =>
  a.resourceId === b.resourceId && a.accountId === b.accountId && a.projectId === b.projectId && a.networkId === b.networkId && a.kind === b.kind && a.name === b.name;

/** The addresses of one scope: ip → newest slot (private ones under their network). */
type Heads = Map<string, number>;

export class OwnershipTimeline {
  // Slot columns. `lastFrom` is where the newest of merged holdings began (= from when not merged).
  private from = new Float64Array(1024);
  private until = new Float64Array(1024);
  private lastFrom = new Float64Array(1024);
  /** The next older slot of the same address, or NONE; for a free slot, the next free one. */
  private older = new Int32Array(1024);
  private holder: Array<HeldBy | undefined> = new Array<HeldBy | undefined>(1024);
  private used = 0;
  private free = NONE;
  private live = 0;

  private readonly privateHeads = new Map<string, Heads>();
  private readonly publicHeads: Heads = new Map();
  /** Per address that had holdings forgotten: the latest end among them (a miss before it is unknown, not "nobody"). */
  private readonly forgottenUntil = new Map<string, number>();
  /** What is known of each resource (its network and account), for VPC lines that name only the resource. */
  private readonly resources = new Map<string, HeldBy>();
  /** Whose each network is (any holding in it says), so a rejected flow is shown to its account. */
  private readonly networks = new Map<string, { accountId: string; projectId: string }>();
  /** Account, project, network and kind ids are shared by many resources: one string each. */
  private readonly interned = new Map<string, string>();
  private horizon = Number.NEGATIVE_INFINITY;

  held(fact: HeldFact): void {
    // A holding already forgotten, published again: it must not come back open (its end would then be dropped as a repeat).
    if (heldBeforeForgotten(fact.fromMs, this.forgottenUntil.get(this.forgottenKey(fact.scope, fact.networkId, fact.ip)))) return;
    const heads = this.heads(fact.scope, fact.networkId, true)!;
    const head = heads.get(fact.ip) ?? NONE;
    // The same fact again: this resource already holds the address from then (or over then).
    for (let s = head; s !== NONE; s = this.older[s]!) {
      if (this.holder[s]!.resourceId === fact.resourceId && repeatsHeld(this.slot(s), fact.fromMs)) return;
    }
    const by = this.holderFor(fact);
    if (fact.scope === 'private' && !this.networks.has(by.networkId)) this.networks.set(by.networkId, { accountId: by.accountId, projectId: by.projectId });
    // The same resource taking the address back within the second it let it go: one holding.
    if (head !== NONE && this.holder[head] === by && this.until[head] !== OPEN && this.until[head]! <= fact.fromMs && bridgesNoSecond(this.until[head]!, fact.fromMs)) {
      this.until[head] = OPEN;
      this.lastFrom[head] = fact.fromMs;
      return;
    }
    const slot = this.allocate(by, fact.fromMs);
    // Newest first, by `from`; facts come in order, so this is the head but for a late one.
    let newer = NONE;
    let s = head;
    while (s !== NONE && this.from[s]! > fact.fromMs) {
      newer = s;
      s = this.older[s]!;
    }
    this.older[slot] = s;
    if (newer === NONE) heads.set(fact.ip, slot);
    else this.older[newer] = slot;
  }

  ended(fact: EndedFact): void {
    const heads = this.heads(fact.scope, fact.networkId, false);
    const head = heads?.get(fact.ip) ?? NONE;
    let open = NONE;
    for (let s = head; s !== NONE; s = this.older[s]!) {
      if (this.holder[s]!.resourceId !== fact.resourceId) continue;
      if (this.until[s] === OPEN) {
        if (open === NONE) open = s;
      } else if (repeatsEnded(this.slot(s), fact.untilMs)) return; // ended there (or within it) already: the same fact again
    }
    if (open === NONE || endsAnEarlierHolding(this.slot(open), fact.untilMs, this.horizon)) return;
    this.until[open] = Math.max(this.lastFrom[open]!, fact.untilMs);
    if (this.until[open]! <= this.horizon) this.forgetEnded(heads!, fact.scope, fact.networkId, fact.ip);
  }

  /** The holder of a private address of a network at `atMs`, if any. */
  privateHolder(networkId: string, ip: string, atMs: number): Holder | undefined {
    const heads = this.privateHeads.get(networkId);
    return heads ? this.at(heads, ip, atMs) : undefined;
  }

  /** The holder of a public address at `atMs`, if any. */
  publicHolder(ip: string, atMs: number): Holder | undefined {
    return this.at(this.publicHeads, ip, atMs);
  }

  /**
   * True when no holding that is kept covers the address at `atMs`, but one
   * that was forgotten might have: the timeline cannot say who held it then.
   */
  forgotten(scope: Scope, networkId: string, ip: string, atMs: number): boolean {
    const until = this.forgottenUntil.get(this.forgottenKey(scope, networkId, ip));
    if (until === undefined || atMs >= until) return false;
    return (scope === 'private' ? this.privateHolder(networkId, ip, atMs) : this.publicHolder(ip, atMs)) === undefined;
  }

  resource(resourceId: string): Holder | undefined {
    return this.resources.get(resourceId);
  }

  network(networkId: string): { accountId: string; projectId: string } | undefined {
    return this.networks.get(networkId);
  }

  /** Holdings kept (for gauges and tests). */
  get size(): number {
    return this.live;
  }

  /** Ended holdings at or before this instant may be forgotten (retention horizon, ownership-retention.ts). */
  get horizonMs(): number {
    return this.horizon;
  }

  /**
   * Forgets every holding that ended at or before `horizonMs` (never one still
   * held). A horizon not later than the current one changes nothing.
   */
  forgetBefore(horizonMs: number): void {
    if (!(horizonMs > this.horizon)) return;
    this.horizon = horizonMs;
    for (const [networkId, heads] of this.privateHeads) for (const ip of [...heads.keys()]) this.forgetEnded(heads, 'private', networkId, ip);
    for (const ip of [...this.publicHeads.keys()]) this.forgetEnded(this.publicHeads, 'public', '', ip);
  }

  /**
   * Flow times are whole seconds (`start` is truncated), holdings are ms: a
   * holding counts when it covers any part of the second [atMs, atMs + 1000),
   * so a flow in the very second its VM got the address is that VM's. The
   * newest such holding wins (two only share a second when the quarantine is
   * under a second).
   */
  private at(heads: Heads, ip: string, atMs: number): Holder | undefined {
    for (let s = heads.get(ip) ?? NONE; s !== NONE; s = this.older[s]!) {
      if (this.from[s]! < atMs + SECOND && atMs < this.until[s]!) return this.holder[s];
    }
    return undefined;
  }

  private slot(s: number): Held {
    return { from: this.from[s]!, lastFrom: this.lastFrom[s]!, until: this.until[s]! };
  }

  private heads(scope: Scope, networkId: string, create: boolean): Heads | undefined {
    if (scope === 'public') return this.publicHeads;
    let heads = this.privateHeads.get(networkId);
    if (!heads && create) this.privateHeads.set(networkId, (heads = new Map()));
    return heads;
  }

  private forgottenKey = (scope: Scope, networkId: string, ip: string) => (scope === 'private' ? `${networkId}|${ip}` : ip);

  /** Unlinks the address's holdings that ended at or before the horizon. */
  private forgetEnded(heads: Heads, scope: Scope, networkId: string, ip: string): void {
    let newer = NONE;
    let latestEnd = Number.NEGATIVE_INFINITY;
    for (let s = heads.get(ip) ?? NONE; s !== NONE; ) {
      const next = this.older[s]!;
      if (this.until[s]! <= this.horizon) {
        latestEnd = Math.max(latestEnd, this.until[s]!);
        if (newer === NONE) {
          if (next === NONE) heads.delete(ip);
          else heads.set(ip, next);
        } else this.older[newer] = next;
        this.release(s);
      } else newer = s;
      s = next;
    }
    if (latestEnd === Number.NEGATIVE_INFINITY) return;
    const key = this.forgottenKey(scope, networkId, ip);
    this.forgottenUntil.set(key, Math.max(this.forgottenUntil.get(key) ?? latestEnd, latestEnd));
    if (scope === 'private' && heads.size === 0) this.privateHeads.delete(networkId);
  }

  private holderFor(fact: HeldFact): HeldBy {
    const known = this.resources.get(fact.resourceId);
    if (known && sameHolder(known, fact)) return known;
    const i = (text: string) => {
      const kept = this.interned.get(text);
      if (kept !== undefined) return kept;
      this.interned.set(text, text);
      return text;
    };
    const by = new HeldBy(fact.resourceId, i(fact.accountId), i(fact.projectId), i(fact.networkId), i(fact.kind), fact.name);
    // The newest record of a resource is its record (its network and account do not change; its name may).
    this.resources.set(fact.resourceId, by);
    return by;
  }

  private allocate(by: HeldBy, fromMs: number): number {
    let slot = this.free;
    if (slot !== NONE) this.free = this.older[slot]!;
    else {
      if (this.used === this.from.length) this.grow();
      slot = this.used++;
    }
    this.from[slot] = fromMs;
    this.lastFrom[slot] = fromMs;
    this.until[slot] = OPEN;
    this.holder[slot] = by;
    by.slots++;
    this.live++;
    return slot;
  }

  private release(slot: number): void {
    const by = this.holder[slot]!;
    this.holder[slot] = undefined;
    if (--by.slots === 0 && this.resources.get(by.resourceId) === by) this.resources.delete(by.resourceId);
    this.older[slot] = this.free;
    this.free = slot;
    this.live--;
  }

  private grow(): void {
    const size = this.from.length * 2;
    const widen = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.from = widen(this.from, (n) => new Float64Array(n));
    this.until = widen(this.until, (n) => new Float64Array(n));
    this.lastFrom = widen(this.lastFrom, (n) => new Float64Array(n));
    this.older = widen(this.older, (n) => new Int32Array(n));
    this.holder.length = size;
  }
}
