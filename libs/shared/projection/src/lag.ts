// How far behind a projection is, in time. Every few hundred ms the runner
// asks its subscription since when it has known of events not handled yet
// (free: the server's per-consumer pending count), or, where the subscription
// cannot tell (paused, or an adapter without it), asks the store for the
// category's newest position: lag is then how long ago the oldest probe saw a
// position not applied yet. If probes stop succeeding, lag grows with the time
// since the last one that did: freshness that cannot be confirmed counts as lag.
export class LagTracker {
  /** Heads seen by probes and not applied yet, oldest first (positions increasing). */
  private pending: Array<{ position: bigint; at: number }> = [];
  private lastProbeOkAt: number;
  private applied: bigint | undefined;
  /** What the subscription last said: behind since this time, or at the head. */
  private subscriptionBehindSince: number | undefined;

  constructor(
    now: number,
    private readonly probeIntervalMs: number,
  ) {
    this.lastProbeOkAt = now;
  }

  observeHead(head: bigint | undefined, at: number): void {
    this.lastProbeOkAt = at;
    if (head === undefined || (this.applied !== undefined && head <= this.applied)) return;
    const last = this.pending[this.pending.length - 1];
    if (!last || head > last.position) this.pending.push({ position: head, at });
  }

  /** The subscription's own answer (see Subscription.behindSince). */
  observeBehindSince(since: number | undefined, at: number): void {
    this.lastProbeOkAt = at;
    this.subscriptionBehindSince = since;
  }

  observeApplied(position: bigint): void {
    this.applied = position;
    let drop = 0;
    while (drop < this.pending.length && this.pending[drop]!.position <= position) drop++;
    if (drop > 0) this.pending = this.pending.slice(drop);
  }

  lagMs(now: number): number {
    const behind = this.pending.length > 0 ? now - this.pending[0]!.at : 0;
    const subscriptionBehind = this.subscriptionBehindSince === undefined ? 0 : now - this.subscriptionBehindSince;
    const unconfirmed = now - this.lastProbeOkAt - this.probeIntervalMs;
    return Math.max(0, behind, subscriptionBehind, unconfirmed);
  }
}
