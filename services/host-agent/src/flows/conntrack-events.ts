// The connections each network's kernel drops, as they are dropped. A reading
// of the table sees a connection only if it is still there: one opened and
// replaced between two readings (a new connection on the same tuple replaces
// one in TIME_WAIT or CLOSE at once), or one that closed and expired while
// the meter was behind, was never read, and its bytes went unbilled. Its
// DESTROY event carries its final counters.
//
// The events come from one helper process for the host (destroy-helper.ts):
// a ctnetlink socket per metered namespace, with reliable delivery, so the
// kernel keeps an entry until its event is taken rather than drop the event
// when the socket is full. Parsed here (ctnetlink.ts) and kept per namespace
// until the meter takes them. A helper that exits is started again and told
// every namespace once more; what was dropped meanwhile is left to the
// readings, which read a namespace's whole table (closed connections too)
// whenever its events may have a gap (takeGap).
import { Logger } from '@nestjs/common';
import { onLines, PythonHelper } from '@pn/dataplane-linux';
import type { CtEntry } from './conntrack-line.js';
import { parseCtnetlink } from './ctnetlink.js';
import { DESTROY_HELPER, splitFrames } from './destroy-helper.js';

const RESTART_MS = 1000;
/** The longest a new namespace's subscription is waited for (it takes milliseconds). */
const READY_MS = 1000;
/** Events kept per namespace while the meter does not take them: past this they are dropped (and counted). */
const MAX_KEPT = 500_000;
/** Only what the data plane names namespaces (prefix, dashes, hex): nothing else reaches the helper's line. */
const NAMESPACE = /^[a-z][a-z0-9-]{0,62}$/;

interface Followed {
  events: CtEntry[];
  subscribed: () => void;
  /** Subscribed, by the helper running now. */
  live: boolean;
  /** When the oldest event not taken yet came (ms, performance.now()). */
  since?: number;
}

export class ConntrackEvents {
  // It dies with the agent, even a kill -9 of it: its sockets go with it, and the kernel stops keeping entries
  // for a listener that is gone.
  private readonly helper = new PythonHelper({
    script: DESTROY_HELPER,
    stdio: ['pipe', 'pipe', 'pipe'],
    attach: (child) => {
      this.rest = Buffer.alloc(0);
      child.stdout!.on('data', (chunk: Buffer) => this.frames(chunk));
      onLines(child.stderr!, (line) => this.said(line));
    },
    ended: (why) => {
      this.logger.warn(`the DESTROY listener ended (${why}); started again in ${RESTART_MS} ms, the readings cover what it misses`);
      for (const f of this.followed.values()) f.live = false;
    },
    resume: { afterMs: RESTART_MS, lines: () => [...this.followed.keys()].map((ns) => `+${ns}`) },
  });
  private readonly followed = new Map<string, Followed>();
  /** Namespaces whose drops may not all have come since the meter last asked: (re)subscribed, events lost. */
  private readonly gaps = new Set<string>();
  /** What the helper printed that is not a whole frame yet. */
  private rest: Buffer = Buffer.alloc(0);
  private readonly logger = new Logger('ConntrackEvents');
  readonly stats = { lost: 0, unread: 0 };

  /**
   * Listens on these namespaces too; resolves once each new one is subscribed
   * (or has not been within READY_MS: the readings cover it meanwhile).
   */
  follow(namespaces: Iterable<string>): Promise<void> {
    const started: Array<Promise<void>> = [];
    for (const ns of namespaces) {
      if (this.followed.has(ns) || !NAMESPACE.test(ns)) continue;
      started.push(
        new Promise<void>((resolve) => {
          const giveUp = setTimeout(resolve, READY_MS);
          this.followed.set(ns, { events: [], subscribed: () => (clearTimeout(giveUp), resolve()), live: false });
        }),
      );
      this.helper.send(`+${ns}`);
    }
    return Promise.all(started).then(() => undefined);
  }

  /** Stops listening on every other namespace; what was received for them and not taken goes with them. */
  keepOnly(namespaces: ReadonlySet<string>): void {
    for (const [ns, f] of [...this.followed]) {
      if (namespaces.has(ns)) continue;
      this.followed.delete(ns);
      this.gaps.delete(ns);
      f.subscribed();
      // No helper running: none follows it (one started later is told only the namespaces followed then).
      if (this.helper.running) this.helper.send(`-${ns}`);
    }
  }

  /**
   * Whether `namespace`'s drops may have had a gap since the last call (then
   * the meter reads its whole table, closed connections too): always while
   * it is not subscribed, then once for each gap — a subscription is one,
   * since what was dropped before it never comes. Asked after take(): a gap
   * from then on is reported next time.
   */
  takeGap(namespace: string): boolean {
    const f = this.followed.get(namespace);
    return this.gaps.delete(namespace) || !f?.live;
  }

  /** The events received for `namespace` since the last call, and when the oldest of them came. */
  take(namespace: string): { events: CtEntry[]; since?: number } {
    const f = this.followed.get(namespace);
    if (!f) return { events: [] };
    const { events, since } = f;
    f.events = [];
    f.since = undefined;
    return { events, since };
  }

  /**
   * Starts the helper before the first namespace is followed: its start (a
   * Python process, 100-300 ms on a busy host) would otherwise delay the
   * first network's first resource, which waits for its subscription.
   */
  warm(): void {
    this.helper.warm();
  }

  close(): void {
    this.helper.close();
    for (const f of this.followed.values()) f.subscribed();
    this.followed.clear();
  }

  /** The helper's output: each whole frame's events kept for its namespace. */
  private frames(chunk: Buffer): void {
    const { frames, rest } = splitFrames(this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk);
    for (const { namespace, data } of frames) {
      const { entries, unread } = parseCtnetlink(data);
      this.stats.unread += unread;
      const f = this.followed.get(namespace);
      if (!f) continue; // a namespace no longer followed: nothing of it is billed any more
      for (const e of entries) {
        f.since ??= performance.now();
        if (f.events.length < MAX_KEPT) f.events.push(e);
        else {
          this.stats.lost++;
          this.gaps.add(namespace);
        }
      }
    }
    // Copied: a view would keep the whole chunk it came from alive.
    this.rest = Buffer.from(rest);
  }

  private said(line: string): void {
    const [what, ns, ...why] = line.split(' ');
    if (what === 'subscribed') {
      const f = this.followed.get(ns ?? '');
      if (!f) return;
      f.live = true;
      this.gaps.add(ns!);
      f.subscribed();
    } else if (what === 'lost') {
      this.stats.lost++;
      for (const gap of this.followed.has(ns ?? '') ? [ns!] : this.followed.keys()) this.gaps.add(gap);
    } else if (what === 'failed') {
      // Not followed, so the meter's next round asks again (a namespace not made yet, say); the readings cover it.
      this.logger.warn(`cannot follow the drops in ${ns} now: ${why.join(' ').slice(0, 200)}`);
      this.followed.get(ns ?? '')?.subscribed();
      this.followed.delete(ns ?? '');
    } else if (line.trim()) this.logger.warn(`the DESTROY listener says: ${line.slice(0, 200)}`);
  }
}
