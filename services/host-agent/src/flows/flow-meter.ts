// The agent's meter: reads each network's connection table (conntrack, in the
// network's namespace, accounting on) every `pollMs`, turns it into flow
// records (flow-ledger.ts) and publishes them on the flows subject, where
// billing meters them. Exactly once across a kill -9: records due are first
// written to disk with the ledger that made them, then published (JetStream
// also drops a repeated message id), then struck from the disk. A restart
// publishes what was on disk again, with the same ids (billing counts each
// id once), and reads the kernel from where the ledger left off.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { parseConntrackLine, type CtEntry } from './conntrack-line.js';
import { ledgerFromJson, ledgerToJson, takeReading, type FlowRecordJson, type Ledger } from './flow-ledger.js';

const run = promisify(execFile);
/** Records per message: about 250 bytes each, far under NATS's 1 MB. */
const BATCH = 1000;

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
  private running: Promise<void> | undefined;
  private known = new Set<string>();
  private readonly file: string;
  private readonly logger = new Logger('FlowMeter');
  readonly stats = { published: 0, unreadLines: 0, lastPollMs: 0 };

  /** For /healthz: what it has published, what waits, how long a round takes. */
  health() {
    return { published: this.stats.published, pending: this.pending.length, tracked: this.ledger.size, unread_lines: this.stats.unreadLines, last_round_ms: this.stats.lastPollMs };
  }

  constructor(
    private readonly js: JetStreamClient,
    private readonly networks: () => readonly MeteredNetwork[],
    private readonly options: FlowMeterOptions,
  ) {
    this.file = join(options.runDir, 'flow-ledger.json');
  }

  start(): void {
    mkdirSync(this.options.runDir, { recursive: true });
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { ledger: unknown; pending: FlowRecordJson[] };
      this.ledger = ledgerFromJson(saved.ledger);
      this.pending = Array.isArray(saved.pending) ? saved.pending : [];
      if (this.pending.length) this.logger.log(`publishing ${this.pending.length} flow records a previous agent had not confirmed`);
    } catch {
      // No ledger yet (first start), or none readable: counting starts from the kernel's counters as they are.
    }
    for (const [k] of this.ledger) this.known.add(k.split('|')[0]!);
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round: every network read, due records made, kept, published. Never two at once. */
  poll(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const started = performance.now();
    const now = Math.floor(Date.now() / 1000);
    const records: FlowRecordJson[] = [];
    const current = this.networks();
    for (const network of current) {
      const entries = await this.read(network.namespace);
      // A table that could not be read is not an empty one: its connections are not reported as ended.
      if (!entries) continue;
      records.push(...takeReading(this.ledger, { networkId: network.id, contains: network.contains, own: network.own, entries }, now, this.options));
    }
    // A network gone from this host: its connections went with its namespace; their last counts are their last intervals.
    const present = new Set(current.map((n) => n.id));
    for (const id of this.known) {
      if (present.has(id)) continue;
      records.push(...takeReading(this.ledger, { networkId: id, contains: () => true, own: new Set(), entries: [] }, now, this.options));
    }
    this.known = present;
    if (records.length > 0) {
      this.pending.push(...records);
      this.save();
    }
    await this.publishPending();
    this.stats.lastPollMs = Math.round(performance.now() - started);
    if (records.length > 0) this.logger.debug(`round: ${current.length} networks, ${records.length} records, ${this.pending.length} pending, ${this.stats.lastPollMs} ms`);
  }

  private async read(namespace: string): Promise<CtEntry[] | undefined> {
    try {
      const { stdout } = await run('ip', ['netns', 'exec', namespace, 'conntrack', '-L', '-o', 'extended,id'], { maxBuffer: 256 * 1024 * 1024 });
      const entries: CtEntry[] = [];
      for (const line of stdout.split('\n')) {
        if (!line) continue;
        const entry = parseConntrackLine(line);
        if (entry) entries.push(entry);
        else this.stats.unreadLines++;
      }
      return entries;
    } catch (error) {
      this.logger.warn(`cannot read the connection table of ${namespace}: ${String(error).slice(0, 200)}`);
      return undefined;
    }
  }

  /** Publishes what is kept, a batch at a time; each batch is struck from the disk once JetStream has it. */
  private async publishPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH);
      const msgID = createHash('sha256').update(batch.map((r) => r.flow_id).join(',')).digest('base64url').slice(0, 32);
      try {
        await this.js.publish(this.options.subject, JSON.stringify(batch), { msgID });
      } catch (error) {
        this.logger.warn(`flow records kept for the next round (${this.pending.length}): ${String(error).slice(0, 200)}`);
        return;
      }
      this.pending = this.pending.slice(batch.length);
      this.stats.published += batch.length;
      this.save();
    }
  }

  /** Atomically (a rename): a kill -9 leaves the old file or the new one, never half of one. */
  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ledger: ledgerToJson(this.ledger), pending: this.pending }));
    renameSync(tmp, this.file);
  }
}
