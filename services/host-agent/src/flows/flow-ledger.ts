// Conntrack readings into flow records, exactly once (pure). The kernel
// counts each connection's bytes both ways (cumulative); the ledger remembers,
// per connection, what it has seen and what it has reported, and reports the
// difference as an interval: when the connection has closed, when it has gone
// from the table, or at least every `intervalSeconds` while it lasts. Each
// interval is numbered, and a record's id is the connection's identity plus
// that number and its direction, so the same interval published twice is
// counted once. The agent keeps the ledger on disk, with the records it is
// about to publish, before publishing them (see flow-meter.ts): a restart
// publishes exactly those again, never a different cut of the same bytes.
import { createHash } from 'node:crypto';
import type { CtEntry } from './conntrack-line.js';

export interface FlowRecordJson {
  readonly flow_id: string;
  readonly network_id: string;
  readonly src_ip: string;
  readonly src_port: number;
  readonly dst_ip: string;
  readonly dst_port: number;
  readonly protocol: number;
  /** Decimal strings: exact past 2^53. */
  readonly bytes: string;
  readonly packets: string;
  readonly start: number;
  readonly end: number;
  /** The public (or edge) address the flow used outside, when NAT changed one. */
  readonly nat_ip?: string;
}

/** What the ledger keeps of a connection: enough to report its next interval without the kernel. */
export interface Tracked {
  readonly networkId: string;
  readonly idHash: string;
  /** The flow as billed: the resource's private address at one end (see endpoints()). */
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly protocol: number;
  readonly natIp: string;
  seq: number;
  reportedAt: number;
  seen: { ob: bigint; op: bigint; rb: bigint; rp: bigint };
  reported: { ob: bigint; op: bigint; rb: bigint; rp: bigint };
  /** Readings in a row that did not list it (see GONE_AFTER). */
  missed?: number;
  /** Its DESTROY event came: all it counted is reported, and a reading that still lists it (it began before) changes nothing. */
  destroyed?: boolean;
  /**
   * Known from its DESTROY event alone (no reading saw it): kept in memory for
   * one reading, never on disk. A reading lists an entry after its event only
   * if it ran as the kernel dropped it (the event goes out just before the
   * entry leaves the table); after a restart no reading can, and the event
   * does not come twice, so the records it made (on disk, with their ids)
   * are all a restart needs. At 10,000 connections a second nearly every
   * connection is one of these, and writing each to the journal and back
   * out cost the agent more than reading them.
   */
  fromEvent?: boolean;
  /** Since when (epoch s) readings of open connections have not listed it: closed, its DESTROY event awaited. */
  waitingSince?: number;
}

/**
 * How long a closed connection's DESTROY event is awaited before a reading of
 * the whole table is due: no closed connection lives this long in conntrack
 * (300 s at most, with data unacknowledged), so one still awaited has either
 * had its event lost or is not closed after all (the table then lists it).
 */
export const AWAIT_DESTROY_SECONDS = 600;

/**
 * Readings in a row a connection must be missing from before the ledger
 * forgets it. A dump of a table that changes while it is read can skip an
 * entry that is still there; forgotten at once, it would come back as new and
 * every byte it had counted would be billed a second time. What it counted is
 * reported the first time it is missing (nothing waits), and it is kept, as
 * reported, for the readings after.
 */
export const GONE_AFTER = 3;

export type Ledger = Map<string, Tracked>;

export interface NetworkReading {
  readonly networkId: string;
  /** The network's range, and its own addresses (gateway, resolver): flows to them are the platform's, not a resource's. */
  readonly contains: (ip: string) => boolean;
  readonly own: ReadonlySet<string>;
  readonly entries: readonly CtEntry[];
}

/**
 * A TCP connection in these states has closed: its counters are final (bar a
 * retransmission, reported when it leaves the table). The states on the way
 * (FIN_WAIT, CLOSE_WAIT, LAST_ACK) last milliseconds, and reporting there
 * too would make two records of most connections; one left half-closed is
 * reported every interval like any other.
 */
const CLOSED = new Set(['TIME_WAIT', 'CLOSE']);

/** What one reading changed in the ledger, for the agent's journal: entries made or updated, and entries dropped. */
export interface LedgerChanges {
  readonly changed: Set<string>;
  readonly removed: string[];
}

/** Which way the flow is billed: from the resource's private address (outbound, private, hairpin) or to it (in through a public address). */
function endpoints(e: CtEntry, reading: NetworkReading) {
  const mine = (ip: string) => reading.contains(ip) && !reading.own.has(ip);
  if (reading.own.has(e.orig.src) || reading.own.has(e.orig.dst)) return undefined;
  if (mine(e.orig.src)) {
    // A resource sent it: to a neighbour (private), to the internet (egress; SNAT'd), or to a public address of ours (hairpin: the public destination is what bills it).
    return { src: e.orig.src, sport: e.orig.sport, dst: e.orig.dst, dport: e.orig.dport, natIp: e.reply.dst !== e.orig.src ? e.reply.dst : '' };
  }
  if (mine(e.reply.src)) {
    // In from outside through a public address (DNAT): billed on the resource's private address, which answered.
    return { src: e.orig.src, sport: e.orig.sport, dst: e.reply.src, dport: e.reply.sport, natIp: e.orig.dst };
  }
  return undefined;
}

/**
 * A connection's identity: the kernel's id and the entry's start time (the id
 * alone comes back for the next connection on the same tuple, see
 * CtEntry.start), with the network and the original tuple.
 */
const key = (networkId: string, e: CtEntry) => `${keyWithoutStart(networkId, e)}${e.start ? `@${e.start}` : ''}`;
/** The identity the ledger used before it knew start times: a ledger kept on disk by an older agent holds these. */
const keyWithoutStart = (networkId: string, e: CtEntry) => `${networkId}|${e.id}|${e.protocol}|${e.orig.src}:${e.orig.sport}>${e.orig.dst}:${e.orig.dport}`;

/** What the ledger knows of an entry: under its identity, or under the one an older agent kept it by (moved to the full one). */
const known = (ledger: Ledger, networkId: string, e: CtEntry, k: string, changes: LedgerChanges): Tracked | undefined =>
  ledger.get(k) ?? adoptOlder(ledger, networkId, e, k, changes);

/** An entry an older agent kept under its identity without a start time, moved to the full one (else all it counted would be counted again). */
function adoptOlder(ledger: Ledger, networkId: string, e: CtEntry, k: string, changes: LedgerChanges): Tracked | undefined {
  const older = keyWithoutStart(networkId, e);
  const t = older === k ? undefined : ledger.get(older);
  if (!t) return undefined;
  ledger.delete(older);
  ledger.set(k, t);
  changes.removed.push(older);
  changes.changed.add(k);
  return t;
}

function report(t: Tracked, now: number, hostId: string): FlowRecordJson[] {
  const ob = t.seen.ob - t.reported.ob;
  const op = t.seen.op - t.reported.op;
  const rb = t.seen.rb - t.reported.rb;
  const rp = t.seen.rp - t.reported.rp;
  if (ob <= 0n && rb <= 0n) return [];
  t.seq += 1;
  const base = { network_id: t.networkId, protocol: t.protocol, start: t.reportedAt, end: Math.max(now, t.reportedAt), ...(t.natIp ? { nat_ip: t.natIp } : {}) };
  const id = (direction: 'o' | 'r') => `${hostId}:${t.idHash}:${t.seq}:${direction}`;
  const records: FlowRecordJson[] = [];
  if (ob > 0n) records.push({ flow_id: id('o'), src_ip: t.src, src_port: t.sport, dst_ip: t.dst, dst_port: t.dport, bytes: String(ob), packets: String(op > 0n ? op : 0n), ...base });
  if (rb > 0n) records.push({ flow_id: id('r'), src_ip: t.dst, src_port: t.dport, dst_ip: t.src, dst_port: t.sport, bytes: String(rb), packets: String(rp > 0n ? rp : 0n), ...base });
  t.reported = { ...t.seen };
  t.reportedAt = base.end;
  return records;
}

const countersOf = (e: CtEntry) => ({ ob: e.orig.bytes, op: e.orig.packets, rb: e.reply.bytes, rp: e.reply.packets });

/** A connection seen for the first time: nothing of it reported yet. */
function track(ledger: Ledger, k: string, networkId: string, e: CtEntry, ends: NonNullable<ReturnType<typeof endpoints>>, now: number, seen: Tracked['seen']): Tracked {
  const idHash = createHash('sha256').update(k).digest('base64url').slice(0, 16);
  const t: Tracked = { networkId, idHash, ...ends, protocol: e.protocol, seq: 0, reportedAt: now, seen, reported: { ob: 0n, op: 0n, rb: 0n, rp: 0n } };
  ledger.set(k, t);
  return t;
}

/**
 * Takes the DESTROY events of a network's connections (`reading.entries`):
 * each one's final counters, reported at once, whether a reading saw it or
 * not. Only an entry with its start time is taken: without one, its id may be
 * another connection's (see CtEntry.start), and the readings cover it.
 * Mutates `ledger`; the entry stays, marked, until readings stop listing it.
 */
export function takeDestroyed(
  ledger: Ledger,
  reading: NetworkReading,
  now: number,
  options: { readonly hostId: string },
  changes: LedgerChanges = { changed: new Set(), removed: [] },
): FlowRecordJson[] {
  const records: FlowRecordJson[] = [];
  for (const e of reading.entries) {
    const ends = e.start ? endpoints(e, reading) : undefined;
    if (!ends) continue;
    const k = key(reading.networkId, e);
    const final = countersOf(e);
    let t = known(ledger, reading.networkId, e, k, changes);
    if (!t) {
      t = track(ledger, k, reading.networkId, e, ends, now, final);
      t.fromEvent = true;
    }
    if (t.destroyed) continue;
    // Counters only grow: a final count below what a reading saw is not this connection's (it cannot be), so ignored.
    if (final.ob >= t.seen.ob && final.rb >= t.seen.rb) t.seen = final;
    for (const r of report(t, now, options.hostId)) records.push(r);
    t.destroyed = true;
    if (!t.fromEvent) changes.changed.add(k);
  }
  return records;
}

type LedgerOptions = { readonly intervalSeconds: number; readonly hostId: string };

/**
 * Takes one reading of a network's table (`now` in epoch seconds) into the
 * ledger, and returns the records it makes due. Mutates `ledger`. The
 * connections it did not list are left to sweepMissing, which the meter runs
 * once per round for all the networks it read (one walk of the ledger, not
 * one per network).
 */
export function readTable(
  ledger: Ledger,
  reading: NetworkReading,
  now: number,
  options: LedgerOptions,
  changes: LedgerChanges,
  present: Set<string>,
): FlowRecordJson[] {
  const records: FlowRecordJson[] = [];
  for (const e of reading.entries) {
    const ends = endpoints(e, reading);
    if (!ends) continue;
    const k = key(reading.networkId, e);
    present.add(k);
    let t = known(ledger, reading.networkId, e, k, changes);
    if (t?.missed || t?.waitingSince !== undefined) {
      t.missed = 0;
      delete t.waitingSince;
      if (!t.fromEvent) changes.changed.add(k);
    }
    if (t?.destroyed) continue;
    const seen = countersOf(e);
    if (!t || t.seen.ob !== seen.ob || t.seen.rb !== seen.rb) changes.changed.add(k);
    t ??= track(ledger, k, reading.networkId, e, ends, now, seen);
    // Counters only grow; one that went back (zeroed by hand) starts a new baseline rather than a negative interval.
    if (seen.ob < t.reported.ob || seen.rb < t.reported.rb) t.reported = { ...seen };
    t.seen = seen;
    if (CLOSED.has(e.state) || now - t.reportedAt >= options.intervalSeconds) {
      const due = report(t, now, options.hostId);
      if (due.length) changes.changed.add(k);
      for (const r of due) records.push(r);
    }
  }
  return records;
}

/**
 * The connections of the networks read (`read`) that their readings did not
 * list (`present`): what each counted since its last report is its last
 * interval; each is forgotten once it stays missing (GONE_AFTER). A reading
 * of open connections only (`openOnly`, see the data plane's closed-mark.ts)
 * leaves out the closed ones still in the table: a connection it does not
 * list is left as it is until its DESTROY event brings its final counts
 * (forgotten before, it would come back as new and be billed twice), unless
 * that event has come already.
 */
export function sweepMissing(
  ledger: Ledger,
  read: ReadonlySet<string>,
  present: ReadonlySet<string>,
  now: number,
  options: LedgerOptions,
  changes: LedgerChanges,
  openOnly: ReadonlySet<string> = new Set(),
): FlowRecordJson[] {
  const records: FlowRecordJson[] = [];
  for (const [k, t] of ledger) {
    if (!read.has(t.networkId) || present.has(k)) continue;
    if (!t.destroyed && openOnly.has(t.networkId)) {
      if (t.waitingSince === undefined) {
        t.waitingSince = now;
        changes.changed.add(k);
      }
      continue;
    }
    for (const r of report(t, now, options.hostId)) records.push(r);
    t.missed = (t.missed ?? 0) + 1;
    if (t.fromEvent) {
      ledger.delete(k); // never on disk: nothing to remove there
      continue;
    }
    if (t.missed < GONE_AFTER) {
      changes.changed.add(k);
      continue;
    }
    ledger.delete(k);
    changes.changed.delete(k);
    changes.removed.push(k);
  }
  return records;
}

/** The networks with a connection whose DESTROY event has been awaited past AWAIT_DESTROY_SECONDS. */
export function awaitedTooLong(ledger: Ledger, now: number): Set<string> {
  const networks = new Set<string>();
  for (const t of ledger.values()) if (t.waitingSince !== undefined && now - t.waitingSince >= AWAIT_DESTROY_SECONDS) networks.add(t.networkId);
  return networks;
}

/** One network's reading and its sweep: readTable and sweepMissing for a single table. */
export function takeReading(
  ledger: Ledger,
  reading: NetworkReading,
  now: number,
  options: LedgerOptions,
  changes: LedgerChanges = { changed: new Set(), removed: [] },
): FlowRecordJson[] {
  const present = new Set<string>();
  const records = readTable(ledger, reading, now, options, changes, present);
  for (const r of sweepMissing(ledger, new Set([reading.networkId]), present, now, options, changes)) records.push(r);
  return records;
}

/** The ledger as JSON (bigints as strings) and back: the agent keeps it on disk. */
export const ledgerToJson = (ledger: Ledger, keys: Iterable<string> = ledger.keys()) =>
  [...keys].flatMap((k) => {
    const t = ledger.get(k);
    return t && !t.fromEvent ? [[k, trackedToJson(t)] as const] : [];
  });
const trackedToJson = (t: Tracked) => ({ ...t, seen: counters(t.seen), reported: counters(t.reported) });
const counters = (c: Tracked['seen']) => ({ ob: String(c.ob), op: String(c.op), rb: String(c.rb), rp: String(c.rp) });
const bigints = (c: Record<string, string>) => ({ ob: BigInt(c.ob!), op: BigInt(c.op!), rb: BigInt(c.rb!), rp: BigInt(c.rp!) });

/** Sets the entries of `json` (as ledgerToJson writes them) into `ledger`. */
export function ledgerFromJson(json: unknown, ledger: Ledger = new Map()): Ledger {
  if (!Array.isArray(json)) return ledger;
  for (const [k, t] of json as Array<[string, Tracked & { seen: Record<string, string>; reported: Record<string, string> }]>) {
    ledger.set(k, { ...t, seen: bigints(t.seen), reported: bigints(t.reported) });
  }
  return ledger;
}
