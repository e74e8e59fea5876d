// Who may hold a TCP connection. Pure bookkeeping, no sockets: the listener
// asks `admit` for every new connection and calls `release` when it closes.
//
// Two limits, so one client cannot starve the others:
// - per client (source address): a client at its limit gets no more;
// - overall: when every slot is taken, a newcomer still gets in if it holds
//   fewer connections than the heaviest client, whose oldest connection makes
//   room for it (max-min fairness). A client that is already among the
//   heaviest is refused instead, so it cannot evict anyone lighter than itself.

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxPerClient: number;
}

export type Admission<C> =
  | { readonly admitted: true; readonly evict: C | null }
  | { readonly admitted: false; readonly reason: 'client-limit' | 'server-full' };

export class ConnectionTable<C> {
  // Insertion order of each Set is connection age: the first is the oldest.
  private readonly byClient = new Map<string, Set<C>>();
  private total = 0;

  constructor(private readonly limits: AdmissionLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }

  get size(): number {
    return this.total;
  }

  countOf(client: string): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  /**
   * Records `connection` for `client` when admitted. An `evict` in the answer
   * has already been released here; the caller only has to close it.
   */
  admit(client: string, connection: C): Admission<C> {
    const own = this.countOf(client);
    if (own >= this.limits.maxPerClient) return { admitted: false, reason: 'client-limit' };
    let evict: C | null = null;
    if (this.total >= this.limits.maxConnections) {
      const heaviest = this.heaviestClient();
      // own + 1 < heaviest: after the swap the newcomer still holds fewer than
      // the evicted client, so two clients can never evict each other in turn.
      if (heaviest === null || own + 1 >= heaviest.connections.size) return { admitted: false, reason: 'server-full' };
      evict = heaviest.connections.values().next().value as C;
      this.release(heaviest.client, evict);
    }
    let set = this.byClient.get(client);
    if (set === undefined) this.byClient.set(client, (set = new Set()));
    set.add(connection);
    this.total++;
    return { admitted: true, evict };
  }

  /** Forgets a connection; a no-op when it is not (or no longer) recorded. */
  release(client: string, connection: C): void {
    const set = this.byClient.get(client);
    if (set === undefined || !set.delete(connection)) return;
    this.total--;
    if (set.size === 0) this.byClient.delete(client);
  }

  // A linear scan: it runs only when the server is full, over distinct clients.
  private heaviestClient(): { client: string; connections: Set<C> } | null {
    let best: { client: string; connections: Set<C> } | null = null;
    for (const [client, connections] of this.byClient) {
      if (best === null || connections.size > best.connections.size) best = { client, connections };
    }
    return best;
  }
}
