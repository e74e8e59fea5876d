// The meter's memory on disk: the ledger (what each connection has counted
// and reported) and the records made but not yet confirmed by JetStream. A
// kill -9 must leave them as they were after some whole round, and writing
// all of it every round costs the size of the connection table (tens of MB at
// 10,000 connections/s). So a snapshot is written now and then, and each
// round appends one line with only what it changed: its records, the entries
// it made or updated, the entries it dropped; and a line per batch JetStream
// confirmed. Loading replays the lines of the snapshot's generation on top of
// it; a line cut short by a kill is the end of the journal (its round was
// never published: the next round makes the same records again, same ids).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledgerFromJson, ledgerToJson, type FlowRecordJson, type Ledger, type LedgerChanges } from './flow-ledger.js';
import { recordsJson } from './record-json.js';

/** A journal longer than this (and than twice the last snapshot) is folded into a new snapshot. */
const COMPACT_BYTES = 16 * 1024 * 1024;

interface Snapshot {
  readonly generation: number;
  readonly ledger: unknown;
  readonly pending: readonly FlowRecordJson[];
}

type Line = { r: FlowRecordJson[]; u: unknown; d: string[] } | { p: number };

export class FlowJournal {
  private generation = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private readonly snapshotFile: string;

  constructor(
    private readonly dir: string,
    private readonly compactBytes = COMPACT_BYTES,
  ) {
    this.snapshotFile = join(dir, 'flow-ledger.json');
  }

  private journalFile(generation = this.generation): string {
    return join(this.dir, `flow-journal-${generation}.ndjson`);
  }

  /** What the last agent left: its ledger and its unconfirmed records, in order. Empty when there is nothing (a first start). */
  load(): { ledger: Ledger; pending: FlowRecordJson[] } {
    mkdirSync(this.dir, { recursive: true });
    const ledger: Ledger = new Map();
    let pending: FlowRecordJson[] = [];
    if (existsSync(this.snapshotFile)) {
      const text = readFileSync(this.snapshotFile, 'utf8');
      const snapshot = JSON.parse(text) as Partial<Snapshot>;
      this.generation = Number.isInteger(snapshot.generation) ? snapshot.generation! : 0;
      this.snapshotBytes = text.length;
      ledgerFromJson(snapshot.ledger, ledger);
      pending = Array.isArray(snapshot.pending) ? [...snapshot.pending] : [];
    }
    if (existsSync(this.journalFile())) {
      const text = readFileSync(this.journalFile(), 'utf8');
      this.journalBytes = text.length;
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        let line: Line;
        try {
          line = JSON.parse(raw) as Line;
        } catch {
          break; // cut short by a kill: nothing after it was written
        }
        if ('p' in line) pending = pending.slice(line.p);
        else {
          ledgerFromJson(line.u, ledger);
          for (const k of line.d) ledger.delete(k);
          for (const r of line.r) pending.push(r);
        }
      }
    }
    return { ledger, pending };
  }

  /** One round's records and ledger changes, on disk before any of them is published. */
  round(ledger: Ledger, records: readonly FlowRecordJson[], changes: LedgerChanges, pending: readonly FlowRecordJson[]): void {
    if (records.length === 0 && changes.changed.size === 0 && changes.removed.length === 0) return;
    if (this.journalBytes > this.compactBytes && this.journalBytes > 2 * this.snapshotBytes) return this.snapshot(ledger, pending);
    // The records' own texts, which the publisher sends as they are.
    this.appendText(`{"r":${recordsJson(records)},"u":${JSON.stringify(ledgerToJson(ledger, changes.changed))},"d":${JSON.stringify(changes.removed)}}\n`);
  }

  /** JetStream has the oldest `count` pending records. */
  published(count: number): void {
    this.append({ p: count });
  }

  private append(line: Line): void {
    this.appendText(`${JSON.stringify(line)}\n`);
  }

  private appendText(text: string): void {
    appendFileSync(this.journalFile(), text);
    this.journalBytes += text.length;
  }

  /**
   * Everything in one file of the next generation (a rename: a kill leaves
   * the old snapshot with its journal, or the new one with none), then the
   * old journal goes.
   */
  snapshot(ledger: Ledger, pending: readonly FlowRecordJson[]): void {
    const previous = this.journalFile();
    const text = `{"generation":${this.generation + 1},"ledger":${JSON.stringify(ledgerToJson(ledger))},"pending":${recordsJson(pending)}}`;
    writeFileSync(`${this.snapshotFile}.tmp`, text);
    renameSync(`${this.snapshotFile}.tmp`, this.snapshotFile);
    this.generation += 1;
    this.snapshotBytes = text.length;
    this.journalBytes = 0;
    rmSync(previous, { force: true });
  }

}
