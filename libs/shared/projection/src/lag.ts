// How far behind a projection is, in time. A probe every few hundred ms asks
// the store for the category's newest position; lag is how long ago the
// oldest probe saw a position the projection has still not applied. If probes
// stop succeeding, lag grows with the time since the last one that did:
// freshness that cannot be confirmed counts as lag.
export class LagTracker {
  /** Heads seen by probes and not applied yet, oldest first (positions increasing). */
  private pending: Array<{ position: bigint; at: number }> = [];
  private lastProbeOkAt: number;
  private applied: bigint | undefined;

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

  observeApplied(position: bigint): void {
    this.applied = position;
    let drop = 0;
    while (drop < this.pending.length && this.pending[drop]!.position <= position) drop++;
    if (drop > 0) this.pending = this.pending.slice(drop);
  }

  lagMs(now: number): number {
    const behind = this.pending.length > 0 ? now - this.pending[0]!.at : 0;
    const unconfirmed = now - this.lastProbeOkAt - this.probeIntervalMs;
    return Math.max(0, behind, unconfirmed);
  }
}
