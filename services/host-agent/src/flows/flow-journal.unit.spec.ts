import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConntrackLine } from './conntrack-line.js';
import { FlowJournal } from './flow-journal.js';
import { ledgerToJson, takeReading, type FlowRecordJson, type Ledger, type LedgerChanges } from './flow-ledger.js';

const T0 = 1_796_000_000;
const options = { intervalSeconds: 60, hostId: 'h1' };
const entry = (id: number, ob: number, state = 'ESTABLISHED') =>
  parseConntrackLine(`ipv4 2 tcp 6 100 ${state} src=10.0.1.2 dst=198.51.100.10 sport=${40000 + id} dport=80 packets=3 bytes=${ob} src=198.51.100.10 dst=203.0.113.1 sport=80 dport=${40000 + id} packets=5 bytes=${ob * 2} [ASSURED] mark=0 use=1 id=${id}`)!;
const reading = (...entries: ReturnType<typeof entry>[]) => ({ networkId: 'net_a', contains: (ip: string) => ip.startsWith('10.0.'), own: new Set(['10.0.0.1', '10.0.0.2']), entries });

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'flow-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An agent's rounds as the meter runs them: reading, journal, then publish of `confirm` records. */
function agent(path: string, compactBytes?: number) {
  const journal = new FlowJournal(path, compactBytes);
  const state = journal.load();
  return {
    ...state,
    round(now: number, ...entries: ReturnType<typeof entry>[]) {
      const changes: LedgerChanges = { changed: new Set(), removed: [] };
      const records = takeReading(state.ledger, reading(...entries), now, options, changes);
      state.pending.push(...records);
      journal.round(state.ledger, records, changes, state.pending);
      return records;
    },
    confirm(count: number) {
      state.pending.splice(0, count);
      journal.published(count);
    },
  };
}
const ids = (records: readonly FlowRecordJson[]) => records.map((r) => r.flow_id);
const same = (a: Ledger, b: Ledger) => expect(ledgerToJson(b)).toEqual(ledgerToJson(a));

describe('the flow journal', () => {
  it('gives a restarted agent the ledger and exactly the records JetStream had not confirmed', () => {
    const path = dir();
    const first = agent(path);
    first.round(T0, entry(1, 100), entry(2, 50));
    const closed = first.round(T0 + 1, entry(1, 300, 'TIME_WAIT'), entry(2, 50));
    const later = first.round(T0 + 2, entry(2, 80, 'TIME_WAIT'));
    first.confirm(closed.length);

    const second = agent(path);
    same(first.ledger, second.ledger);
    expect(ids(second.pending)).toEqual(ids(later));
    expect([...second.ledger.values()].map((t) => t.missed ?? 0)).toEqual([1, 0]); // the first left the table: kept a while, as reported
  });

  it('ends at a line a kill cut short: that round was never published, and the next makes the same records again', () => {
    const path = dir();
    const first = agent(path);
    first.round(T0, entry(1, 100));
    appendFileSync(join(path, 'flow-journal-0.ndjson'), '{"r":[{"flow_id":"h1:x:1:o"');
    const second = agent(path);
    expect(second.pending).toEqual([]);
    const again = second.round(T0 + 1, entry(1, 300, 'TIME_WAIT'));
    expect(again.map((r) => [r.flow_id.split(':')[2], r.bytes])).toEqual([['1', '300'], ['1', '600']]);
  });

  it('folds a long journal into a snapshot of the next generation and removes the old journal', () => {
    const path = dir();
    const first = agent(path, 1000);
    for (let i = 1; i <= 30; i++) first.round(T0 + i, ...Array.from({ length: i }, (_, n) => entry(n + 1, 100 * i, 'TIME_WAIT')));
    first.confirm(first.pending.length - 4);
    expect(readdirSync(path).filter((f) => f.startsWith('flow-journal-')).length).toBe(1);
    expect(readdirSync(path)).not.toContain('flow-journal-0.ndjson');
    const second = agent(path, 1000);
    same(first.ledger, second.ledger);
    expect(ids(second.pending)).toEqual(ids(first.pending));
  });

  it('reads the single file an earlier agent wrote (ledger and pending, no journal)', () => {
    const path = dir();
    const ledger: Ledger = new Map();
    const records = takeReading(ledger, reading(entry(1, 100, 'TIME_WAIT')), T0, options);
    writeFileSync(join(path, 'flow-ledger.json'), JSON.stringify({ ledger: ledgerToJson(ledger), pending: records }));
    const restarted = agent(path);
    same(ledger, restarted.ledger);
    expect(ids(restarted.pending)).toEqual(ids(records));
  });
});
