// The primary's bookkeeping of which answering worker has which change (see
// dns-workers.ts). Pure: no processes, no timers; times are passed in
// (performance.now() milliseconds), so every rule is unit-tested.
//
//   - A member forked but not yet sent its start message is waited for by
//     nobody: the snapshot it will be sent contains every change so far.
//   - A member sent its start (a snapshot as of change `seq`) has acknowledged
//     that `seq`; changes after it are waited for, also while it loads, as it
//     may answer the moment it listens.
//   - A listening member that leaves a change unacknowledged past the lag
//     bound is a laggard, to be replaced: one per round at most, the furthest
//     behind, so a stall of the primary itself never takes every worker down.
//   - A member not listening by the load deadline is stuck loading, to be
//     replaced too (until then changes wait for it).
//   - A member that could not apply a change (failed) acknowledges nothing
//     more: it is the next round's laggard, without waiting out the lag
//     bound (still one per round, so a change no worker can apply never
//     takes every worker down at once).
//   - A round that comes late (the primary itself stalled) only moves the
//     send times of unacknowledged changes on by the stall, and judges nobody.

export interface AckLedgerOptions {
  /** A listening member that leaves a change unacknowledged this long is a laggard. */
  readonly maxLagMs: number;
  /** A member not listening this long after its fork is stuck loading. */
  readonly loadDeadlineMs: number;
  /** How often rounds are meant to run; one later than twice this means the primary stalled. */
  readonly roundEveryMs: number;
}

interface LedgerMember {
  readonly forkedAt: number;
  /** Sent its start message: changes from now on are sent to it, and waited for. */
  started: boolean;
  /** Answers DNS (judged for lag from now on). */
  listening: boolean;
  /** Highest change acknowledged (the start's seq counts); -1 before its start. */
  acked: number;
  /** Could not apply a change: to be replaced. */
  failed: boolean;
}

export interface Waiter {
  readonly seq: number;
  readonly done: (ok: boolean) => void;
}

export interface RoundVerdict {
  /** A member to replace for lag or for a change it could not apply (`failed`), one at most, or null. */
  readonly laggard: { readonly id: number; readonly seq: number; readonly failed?: true } | null;
  /** Members still not listening past the load deadline. */
  readonly stuckLoading: number[];
}

const NOBODY: RoundVerdict = { laggard: null, stuckLoading: [] };

export class AckLedger {
  private readonly members = new Map<number, LedgerMember>();
  private seqNow = 0;
  /** When changes not yet acknowledged by every started member were sent, oldest first. */
  private unacked: Array<{ seq: number; at: number }> = [];
  private waiters: Waiter[] = [];
  private lastRound: number | undefined;

  constructor(private readonly options: AckLedgerOptions) {}

  /** The number of the last change sent. */
  get seq(): number {
    return this.seqNow;
  }

  /** Changes sent but not yet acknowledged by every started member (for tests and reports). */
  get unacknowledged(): number {
    this.prune();
    return this.unacked.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  forked(id: number, now: number): void {
    this.members.set(id, { forkedAt: now, started: false, listening: false, acked: -1, failed: false });
  }

  isStarted(id: number): boolean {
    return this.members.get(id)?.started ?? false;
  }

  /** Sent its start message, a snapshot as of change `seq`. */
  started(id: number, seq: number): void {
    const member = this.members.get(id);
    if (!member) return;
    member.started = true;
    member.acked = Math.max(member.acked, seq);
    this.wake();
  }

  listening(id: number, seq: number): void {
    const member = this.members.get(id);
    if (!member) return;
    member.listening = true;
    this.acknowledged(id, seq);
  }

  acknowledged(id: number, seq: number): void {
    const member = this.members.get(id);
    if (!member) return;
    member.acked = Math.max(member.acked, seq);
    this.wake();
  }

  /** Could not apply a change (it said so): replaced in the next round that judges. */
  failed(id: number): void {
    const member = this.members.get(id);
    if (member) member.failed = true;
  }

  /** Exited: nothing to wait for from it any more. */
  gone(id: number): void {
    if (this.members.delete(id)) this.wake();
  }

  /** A new change, sent at `now` to every started member: its number. */
  sent(now: number): number {
    this.seqNow++;
    if (this.startedMembers() > 0) this.unacked.push({ seq: this.seqNow, at: now });
    return this.seqNow;
  }

  /** True once every started member has acknowledged change `seq`. */
  settled(seq: number): boolean {
    for (const member of this.members.values()) if (member.started && member.acked < seq) return false;
    return true;
  }

  /** `done(true)` once change `seq` is settled (at once if it is); cancel() to drop it. */
  wait(seq: number, done: (ok: boolean) => void): Waiter | null {
    if (this.settled(seq)) {
      done(true);
      return null;
    }
    const waiter = { seq, done };
    this.waiters.push(waiter);
    return waiter;
  }

  cancel(waiter: Waiter): void {
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  /** Every waiter is told false (stopping). */
  failAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.done(false);
  }

  /**
   * A round of judging, run by a timer meant to fire every `roundEveryMs`.
   * When it fires late the primary itself stalled: the stall is added to the
   * send time of every unacknowledged change, and nobody is judged this round.
   */
  round(now: number): RoundVerdict {
    const last = this.lastRound;
    this.lastRound = now;
    this.prune();
    if (last !== undefined && now - last > 2 * this.options.roundEveryMs) {
      const stallMs = now - last - this.options.roundEveryMs;
      for (const entry of this.unacked) entry.at += stallMs;
      return NOBODY;
    }
    const stuckLoading: number[] = [];
    for (const [id, member] of this.members) if (!member.listening && now - member.forkedAt > this.options.loadDeadlineMs) stuckLoading.push(id);
    const late = this.unacked.find(({ at }) => now - at > this.options.maxLagMs);
    let laggard: RoundVerdict['laggard'] = null;
    const failed = [...this.members].find(([, member]) => member.failed);
    if (failed) laggard = { id: failed[0], seq: failed[1].acked + 1, failed: true };
    else if (late) {
      let behind: { id: number; acked: number } | null = null;
      for (const [id, member] of this.members) {
        if (member.listening && member.acked < late.seq && (behind === null || member.acked < behind.acked)) behind = { id, acked: member.acked };
      }
      if (behind) laggard = { id: behind.id, seq: late.seq };
    }
    return stuckLoading.length === 0 && laggard === null ? NOBODY : { laggard, stuckLoading };
  }

  private startedMembers(): number {
    let n = 0;
    for (const member of this.members.values()) if (member.started) n++;
    return n;
  }

  private prune(): void {
    let oldest = Infinity;
    for (const member of this.members.values()) if (member.started) oldest = Math.min(oldest, member.acked);
    while (this.unacked.length > 0 && this.unacked[0]!.seq <= oldest) this.unacked.shift();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    const done: Waiter[] = [];
    for (const waiter of this.waiters) (this.settled(waiter.seq) ? done : still).push(waiter);
    this.waiters = still;
    for (const waiter of done) waiter.done(true);
  }
}
