// Who held which address, over time: billing's own record of the integration
// events AddressHeld / AddressHoldEnded. Private addresses are per network
// (every network may use 10.0.1.1), public ones global. A holding is the
// half-open interval [from, until): an address released at t and reused
// later has two holdings, and a flow is matched to the one covering its time.
export interface Holder {
  readonly resourceId: string;
  readonly accountId: string;
  readonly projectId: string;
  readonly networkId: string;
  readonly kind: string;
  readonly name: string;
}

export interface Holding extends Holder {
  readonly fromMs: number;
  /** Infinity while held. */
  untilMs: number;
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

const SECOND = 1000;

const keyOf = (scope: Scope, networkId: string, ip: string) => (scope === 'private' ? `p|${networkId}|${ip}` : `g|${ip}`);

export class OwnershipTimeline {
  private readonly holdings = new Map<string, Holding[]>();
  /** Facts applied, by source event id: a republished fact changes nothing. */
  private readonly seen = new Set<string>();
  /** What is known of each resource (its network and account), for VPC lines that name only the resource. */
  private readonly resources = new Map<string, Holder>();
  /** Whose each network is (any holding in it says), so a rejected flow is shown to its account. */
  private readonly networks = new Map<string, { accountId: string; projectId: string }>();

  held(fact: HeldFact): void {
    if (!this.remember(`${fact.sourceEventId}:held`)) return;
    const { sourceEventId: _id, scope: _scope, ip: _ip, fromMs, ...holder } = fact;
    const list = this.list(keyOf(fact.scope, fact.networkId, fact.ip));
    list.push({ ...holder, fromMs, untilMs: Number.POSITIVE_INFINITY });
    // Kept in order of `from`; facts come in order, so this is a no-op but for a late one.
    list.sort((a, b) => a.fromMs - b.fromMs);
    if (!this.resources.has(holder.resourceId)) this.resources.set(holder.resourceId, holder);
    if (fact.scope === 'private' && !this.networks.has(holder.networkId)) this.networks.set(holder.networkId, { accountId: holder.accountId, projectId: holder.projectId });
  }

  ended(fact: EndedFact): void {
    if (!this.remember(`${fact.sourceEventId}:ended`)) return;
    const list = this.holdings.get(keyOf(fact.scope, fact.networkId, fact.ip)) ?? [];
    const open = list.findLast((h) => h.resourceId === fact.resourceId && h.untilMs === Number.POSITIVE_INFINITY);
    if (open) open.untilMs = Math.max(open.fromMs, fact.untilMs);
  }

  /** The holder of a private address of a network at `atMs`, if any. */
  privateHolder(networkId: string, ip: string, atMs: number): Holder | undefined {
    return this.at(keyOf('private', networkId, ip), atMs);
  }

  /** The holder of a public address at `atMs`, if any. */
  publicHolder(ip: string, atMs: number): Holder | undefined {
    return this.at(keyOf('public', '', ip), atMs);
  }

  resource(resourceId: string): Holder | undefined {
    return this.resources.get(resourceId);
  }

  network(networkId: string): { accountId: string; projectId: string } | undefined {
    return this.networks.get(networkId);
  }

  /**
   * Flow times are whole seconds (`start` is truncated), holdings are ms: a
   * holding counts when it covers any part of the second [atMs, atMs + 1000),
   * so a flow in the very second its VM got the address is that VM's. The
   * newest such holding wins (two only share a second when the quarantine is
   * under a second).
   */
  private at(key: string, atMs: number): Holder | undefined {
    const list = this.holdings.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const h = list[i]!;
      if (h.fromMs < atMs + SECOND && atMs < h.untilMs) return h;
    }
    return undefined;
  }

  private list(key: string): Holding[] {
    let list = this.holdings.get(key);
    if (!list) this.holdings.set(key, (list = []));
    return list;
  }

  private remember(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }
}
