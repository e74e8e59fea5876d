// Where every consumer in a service puts what it cannot read, so a bad message
// costs one line in a list instead of a stalled read model. One bin per
// service instance (the in-process test platform runs five services in one
// process, each must show only its own).
//
// Bounded: the newest KEEP messages are listed (subject, stream sequence,
// reason), counts per consumer and reason are exact. A message met again (a
// consumer restarted at an earlier position, two read models on one category)
// is known by its stream and sequence and counted once; the last REMEMBER of
// those are remembered, so memory stays bounded under a flood too. Logging is
// bounded as well: a flood must not become a flood of log lines.
import type { GarbageReason } from './screen.js';

export interface GarbageReport {
  /** Who met it: `es:<category>`, `integration`, `flows`, `dns-fleet`, … (a fixed set: it is a metric label). */
  readonly consumer: string;
  readonly subject: string;
  /** JetStream stream and sequence; '' and 0 for a core NATS message (it has none, and is never seen twice). */
  readonly stream: string;
  readonly seq: number;
  readonly reason: GarbageReason;
  readonly detail: string;
  readonly bytes: number;
}

export interface ParkedGarbage extends GarbageReport {
  readonly parkedAt: Date;
}

export interface GarbageCount {
  readonly consumer: string;
  readonly reason: GarbageReason;
  readonly count: number;
}

export interface GarbageBinOptions {
  /** Messages listed; default 100. */
  readonly keep?: number;
  /** Stream sequences remembered to count a message once; default 100,000. */
  readonly remember?: number;
  /** Lines logged per minute at most; default 20. */
  readonly logsPerMinute?: number;
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

export class GarbageBin {
  private readonly listed: ParkedGarbage[] = [];
  private readonly seen = new Set<string>();
  private readonly counted = new Map<string, GarbageCount>();
  private parkedTotal = 0;
  private windowStart = 0;
  private loggedInWindow = 0;
  private unlogged = 0;
  private readonly keep: number;
  private readonly remember: number;
  private readonly logsPerMinute: number;
  private readonly log: (message: string) => void;
  private readonly now: () => number;

  constructor(options: GarbageBinOptions = {}) {
    this.keep = options.keep ?? 100;
    this.remember = options.remember ?? 100_000;
    this.logsPerMinute = options.logsPerMinute ?? 20;
    this.log = options.log ?? ((m) => console.error(m));
    this.now = options.now ?? Date.now;
  }

  /** Parks a message; false when it was parked already (met again), which changes nothing. */
  park(report: GarbageReport): boolean {
    if (report.seq > 0) {
      const key = `${report.stream}#${report.seq}`;
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      if (this.seen.size > this.remember) this.seen.delete(this.seen.values().next().value!);
    }
    this.parkedTotal++;
    const countKey = `${report.consumer}\u0000${report.reason}`;
    const before = this.counted.get(countKey)?.count ?? 0;
    this.counted.set(countKey, { consumer: report.consumer, reason: report.reason, count: before + 1 });
    this.listed.push({ ...report, detail: report.detail.slice(0, 200), parkedAt: new Date(this.now()) });
    if (this.listed.length > this.keep) this.listed.shift();
    this.logOnce(report);
    return true;
  }

  get total(): number {
    return this.parkedTotal;
  }

  counts(): GarbageCount[] {
    return [...this.counted.values()];
  }

  /** The newest parked messages, oldest first. */
  recent(): ParkedGarbage[] {
    return [...this.listed];
  }

  private logOnce(r: GarbageReport): void {
    const now = this.now();
    if (now - this.windowStart >= 60_000) {
      if (this.unlogged > 0) this.log(`[garbage] ${this.unlogged} more messages parked in the last minute, not logged one by one`);
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.unlogged = 0;
    }
    if (this.loggedInWindow >= this.logsPerMinute) {
      this.unlogged++;
      return;
    }
    this.loggedInWindow++;
    const where = r.seq > 0 ? `${r.stream} sequence ${r.seq}` : 'core NATS';
    this.log(`[garbage] ${r.consumer}: parked and skipped a message on ${JSON.stringify(r.subject)} (${where}, ${r.bytes} bytes): ${r.reason}: ${r.detail}`);
  }
}
