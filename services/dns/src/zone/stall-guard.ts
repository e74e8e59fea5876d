// A process that stops running for a while (SIGSTOP, a blocked event loop, a
// host that froze it) cannot see from its view that it missed changes: the
// changes wait unread in its sockets, and so do the queries. The fleet stops
// waiting for such an instance after PROJECTION_MAX_LAG_MS, so once it runs
// again it must not answer from what it had before. A timer ticks every
// TICK_MS; a gap between ticks, or since the last tick, longer than half the
// bound is a stall, and lookups fail (SERVFAIL) until the view is confirmed
// current against the event store (ZoneProjection does the confirming).

export const TICK_MS = 50;

export class StallGuard {
  private lastTick: number;
  private suspect = false;
  private readonly stallMs: number;

  constructor(now: number, maxLagMs: number) {
    this.lastTick = now;
    this.stallMs = Math.max(TICK_MS * 4, maxLagMs / 2);
  }

  /** The timer ran; true when this tick ends a stall (the view then needs confirming). */
  tick(now: number): boolean {
    const stalled = now - this.lastTick > this.stallMs;
    this.lastTick = now;
    if (stalled) this.suspect = true;
    return stalled;
  }

  /** The view was found current after the stall. */
  confirmed(): void {
    this.suspect = false;
  }

  /**
   * How long answers cannot be trusted for, or 0 when they can: since the
   * last tick when it is overdue (queries read before the timer had a turn),
   * or while a stall waits for its confirmation.
   */
  untrustedMs(now: number): number {
    const sinceTick = now - this.lastTick;
    if (sinceTick > this.stallMs) return sinceTick;
    return this.suspect ? Math.max(sinceTick, 1) : 0;
  }
}
