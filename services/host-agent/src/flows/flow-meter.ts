// The agent's meter: every `pollMs`, takes the connections each network's
// kernel dropped meanwhile (conntrack-events.ts) and reads its connection
// table (conntrack, in the network's namespace, accounting and timestamps
// on), turns both into flow records (flow-ledger.ts) and publishes them on
// the flows subject, where
// billing meters them. Exactly once across a kill -9: records due are first
// written to disk with the ledger changes that made them (flow-journal.ts),
// then published (JetStream also drops a repeated message id), then marked
// confirmed. A restart publishes what was not confirmed again, with the same
// ids (billing counts each id once), and reads the kernel from where the
// ledger left off. A round reads only the connections still open (the
// kernel filters by the mark the ruleset sets on a closed one, see the data
// plane's closed-mark.ts): closed ones are billed from their DESTROY events.
// The whole table is read when those events may have a gap (the listener
// (re)subscribed, or lost some), or one has been awaited too long. A
// table read is cheap for what did not change: a line seen before (bar its
// clocks) is not parsed again.
import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { parseConntrackXml, type CtEntry } from './conntrack-line.js';
import { ConntrackEvents } from './conntrack-events.js';
import { ConntrackReader } from './conntrack-reader.js';
import { FlowJournal } from './flow-journal.js';
import { recordsJson } from './record-json.js';
import { awaitedTooLong, readTable, sweepMissing, takeDestroyed, type FlowRecordJson, type Ledger, type LedgerChanges } from './flow-ledger.js';

/** An entry's seconds to live and seconds since it was made: the only parts of an unchanged entry that change between reads. */
const CLOCKS = /<timeout>\d+<\/timeout>|<deltatime>\d+<\/deltatime>/g;
/** Table lines handled between two turns of the event loop. */
const YIELD_EVERY = 10_000;
/** Records per message: about 250 bytes each, far under NATS's 1 MB. */
const BATCH = 1000;

/**
 * The wait before the next read: `pollMs`, or four times what the last round
 * took when the table is large (the meter then uses at most a fifth of a
 * core), but never so long that one read begins more than 5 s after the one
 * before (the round's own time counts: a 20-s run at 10,000 connections a
 * second had rounds of seconds, and waited 5 s after each) and never less
 * than `pollMs`. The shortest time a closed connection stays in the table is
 * 10 s (TCP's CLOSE after a reset; TIME_WAIT is 15 s in the plane's
 * namespaces, CONNTRACK_TIME_WAIT_SECONDS), so reads that far apart still see
 * every connection in its final state.
 */
export function nextPollDelay(lastRoundMs: number, pollMs: number): number {
  return Math.max(pollMs, Math.min(4 * lastRoundMs, MAX_READ_GAP_MS - lastRoundMs));
}
const MAX_READ_GAP_MS = 5000;

export interface MeteredNetwork {
  readonly id: string;
  readonly namespace: string;
  readonly contains: (ip: string) => boolean;
  readonly own: ReadonlySet<string>;
}

export interface FlowMeterOptions {
  readonly hostId: string;
  readonly runDir: string;
  readonly subject: string;
  readonly intervalSeconds: number;
  readonly pollMs: number;
}

export class FlowMeter {
  private ledger: Ledger = new Map();
  private pending: FlowRecordJson[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private known = new Set<string>();
  /** The networks of the last round, by id: a network gone since keeps its address range until its drops are taken. */
  private metered = new Map<string, MeteredNetwork>();
  private readonly journal: FlowJournal;
  private readonly reader = new ConntrackReader();
  private readonly events = new ConntrackEvents();
  /** Per namespace: its table's last lines (clocks left out) and what they parsed to. */
  private lines = new Map<string, Map<string, CtEntry>>();
  private readonly logger = new Logger('FlowMeter');
  readonly stats = { published: 0, unreadLines: 0, lastPollMs: 0, longestRoundMs: 0, longestGapMs: 0, fullReads: 0, openReads: 0, lastEventWaitMs: 0, longestEventWaitMs: 0 };
  /** Networks whose table must be read whole next round: a whole read failed, or a DESTROY event is awaited too long. */
  private wholeDue = new Set<string>();
  /** When the last round began (its tables are read in it). */
  private lastRoundStart: number | undefined;

  /** For /healthz: what it has published, what waits, how long a round takes. */
  health() {
    return {
      published: this.stats.published,
      pending: this.pending.length,
      tracked: this.ledger.size,
      unread_lines: this.stats.unreadLines + this.events.stats.unread,
      events_lost: this.events.stats.lost,
      last_round_ms: this.stats.lastPollMs,
      // The longest round, and the longest time between two rounds' starts: past 10 s (TCP's CLOSE), a connection
      // could end and leave the table unread, and be billed only if its DESTROY event was not lost.
      longest_round_ms: this.stats.longestRoundMs,
      longest_gap_ms: this.stats.longestGapMs,
      // Readings of whole tables and of open connections only: the first kind should be rare.
      full_reads: this.stats.fullReads,
      open_reads: this.stats.openReads,
      // From a drop's event reaching the agent to its records on the bus (the last round's oldest, and the longest
      // yet): flat under load when the meter keeps pace, growing when it falls behind.
      event_wait_ms: this.stats.lastEventWaitMs,
      longest_event_wait_ms: this.stats.longestEventWaitMs,
    };
  }

  constructor(
    private readonly js: JetStreamClient,
    private readonly networks: () => readonly MeteredNetwork[],
    private readonly options: FlowMeterOptions,
  ) {
    this.journal = new FlowJournal(options.runDir);
  }

  start(): void {
    try {
      ({ ledger: this.ledger, pending: this.pending } = this.journal.load());
      if (this.pending.length) this.logger.log(`publishing ${this.pending.length} flow records a previous agent had not confirmed`);
    } catch (error) {
      // None readable: counting starts from the kernel's counters as they are, and says so.
      this.logger.error(`the flow ledger on disk is unreadable, counting from the kernel's counters as they are: ${String(error).slice(0, 200)}`);
      this.journal.snapshot(this.ledger, this.pending);
    }
    for (const [k] of this.ledger) this.known.add(k.split('|')[0]!);
    this.events.warm();
    this.schedule(this.options.pollMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const next = () => this.schedule(nextPollDelay(this.stats.lastPollMs, this.options.pollMs));
    this.timer = setTimeout(() => void this.poll().catch((error) => this.logger.error(`flow round failed, next one as usual: ${String(error).slice(0, 300)}`)).finally(next), delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.reader.close();
    this.events.close();
  }

  /**
   * Resolves once the kernel's drops are followed in every network on the host
   * (the agent awaits it before it reports a resource attached, so that no
   * connection of a new network comes before its listener).
   */
  listen(networks: readonly MeteredNetwork[] = this.networks()): Promise<void> {
    return this.events.follow(networks.map((n) => n.namespace));
  }

  /** One round: every network read, due records made, kept, published. Never two at once. */
  poll(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const started = performance.now();
    if (this.lastRoundStart !== undefined) this.stats.longestGapMs = Math.max(this.stats.longestGapMs, Math.round(started - this.lastRoundStart));
    this.lastRoundStart = started;
    const now = Math.floor(Date.now() / 1000);
    const records: FlowRecordJson[] = [];
    const changes: LedgerChanges = { changed: new Set(), removed: [] };
    const current = this.networks();
    // A reading can make more records than a call may take as arguments: appended one by one.
    const add = (made: FlowRecordJson[]) => {
      for (const r of made) records.push(r);
    };
    // A network gone since the last round: what its kernel dropped before it went is taken, then its listener
    // is stopped (which frees what is left of its namespace).
    const present = new Set(current.map((n) => n.id));
    let oldestEvent: number | undefined;
    const takeEvents = (namespace: string) => {
      const { events, since } = this.events.take(namespace);
      if (since !== undefined) oldestEvent = Math.min(oldestEvent ?? since, since);
      return events;
    };
    for (const gone of this.metered.values()) {
      if (present.has(gone.id)) continue;
      add(takeDestroyed(this.ledger, { networkId: gone.id, contains: gone.contains, own: gone.own, entries: takeEvents(gone.namespace) }, now, this.options, changes));
    }
    this.metered = new Map(current.map((n) => [n.id, n]));
    this.events.keepOnly(new Set(current.map((n) => n.namespace)));
    void this.listen(current);
    // The networks whose table was read, and the connections those readings listed: the rest of theirs are missing.
    const read = new Set<string>();
    const openOnly = new Set<string>();
    const listed = new Set<string>();
    for (const network of current) {
      // The connections dropped since the last round first (their final counts), then the table as it is now.
      const destroyed = takeEvents(network.namespace);
      add(takeDestroyed(this.ledger, { networkId: network.id, contains: network.contains, own: network.own, entries: destroyed }, now, this.options, changes));
      // Asked every round: a gap is reported once.
      const gap = this.events.takeGap(network.namespace);
      const due = this.wholeDue.delete(network.id);
      const which = gap || due ? 'all' : 'open';
      const entries = await this.read(network.namespace, which);
      // A table that could not be read is not an empty one: its connections are not reported as ended.
      if (!entries) {
        if (which === 'all') this.wholeDue.add(network.id); // what made it due still stands
        continue;
      }
      read.add(network.id);
      if (which === 'open') openOnly.add(network.id);
      add(readTable(this.ledger, { networkId: network.id, contains: network.contains, own: network.own, entries }, now, this.options, changes, listed));
    }
    // A network gone from this host: its connections went with its namespace; their last counts are their last
    // intervals. It is read as empty until the ledger has forgotten them (GONE_AFTER readings).
    for (const id of this.known) if (!present.has(id)) read.add(id);
    add(sweepMissing(this.ledger, read, listed, now, this.options, changes, openOnly));
    for (const id of awaitedTooLong(this.ledger, now)) this.wholeDue.add(id);
    this.known = new Set(present);
    for (const t of this.ledger.values()) this.known.add(t.networkId);
    const namespaces = new Set(current.map((n) => n.namespace));
    for (const ns of this.lines.keys()) if (!namespaces.has(ns)) this.lines.delete(ns);
    for (const id of this.wholeDue) if (!present.has(id)) this.wholeDue.delete(id);
    for (const r of records) this.pending.push(r);
    this.journal.round(this.ledger, records, changes, this.pending);
    if ((await this.publishPending()) && oldestEvent !== undefined) {
      this.stats.lastEventWaitMs = Math.round(performance.now() - oldestEvent);
      this.stats.longestEventWaitMs = Math.max(this.stats.longestEventWaitMs, this.stats.lastEventWaitMs);
    }
    this.stats.lastPollMs = Math.round(performance.now() - started);
    this.stats.longestRoundMs = Math.max(this.stats.longestRoundMs, this.stats.lastPollMs);
    if (records.length > 0) this.logger.debug(`round: ${current.length} networks, ${records.length} records, ${this.pending.length} pending, ${this.stats.lastPollMs} ms`);
  }

  private async read(namespace: string, which: 'all' | 'open'): Promise<CtEntry[] | undefined> {
    try {
      const stdout = await this.reader.read(namespace, which);
      this.stats[which === 'all' ? 'fullReads' : 'openReads']++;
      const entries: CtEntry[] = [];
      const before = this.lines.get(namespace);
      const now = new Map<string, CtEntry>();
      const lines = stdout.split('\n');
      for (let i = 0; i < lines.length; i++) {
        // A table of 150,000 entries takes about a second: /healthz answers and the listeners' pipes are
        // drained meanwhile.
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
        const line = lines[i]!;
        if (!line.startsWith('<flow>')) continue; // the document's own lines
        const same = line.replace(CLOCKS, '');
        const entry = before?.get(same) ?? parseConntrackXml(line);
        if (!entry) {
          this.stats.unreadLines++;
          continue;
        }
        entries.push(entry);
        now.set(same, entry);
      }
      this.lines.set(namespace, now);
      return entries;
    } catch (error) {
      this.logger.warn(`cannot read the connection table of ${namespace}: ${String(error).slice(0, 200)}`);
      return undefined;
    }
  }

  /** Publishes what is kept, a batch at a time; each batch is marked confirmed on disk once JetStream has it. True when all went. */
  private async publishPending(): Promise<boolean> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH);
      const msgID = createHash('sha256').update(batch.map((r) => r.flow_id).join(',')).digest('base64url').slice(0, 32);
      try {
        await this.js.publish(this.options.subject, recordsJson(batch), { msgID });
      } catch (error) {
        this.logger.warn(`flow records kept for the next round (${this.pending.length}): ${String(error).slice(0, 200)}`);
        return false;
      }
      this.pending = this.pending.slice(batch.length);
      this.stats.published += batch.length;
      this.journal.published(batch.length);
    }
    return true;
  }
}
