// Flow records that cannot be metered (unreadable, impossible, failing for
// good), parked in bounded history. Each used to be an event of its own,
// text and all, kept forever: 10,000 garbage records of 4 KB were 58.6 MB of
// history. Now a partition's batch records its parked records as one
// RecordsParked event: their dedup keys (a record redelivered after a crash
// is counted once, like a flow), a count per account, network and month
// (exact), and a sample of their text, at most SAMPLE_PER_NETWORK_MONTH per
// network and month and SAMPLES_PER_EVENT per event. Past the sample a
// record costs its 32-character key and nothing else; the keys of a month
// are forgotten from the partition's state with the month (meter-partition.ts).
import { hash } from 'node:crypto';
import type { ParkedRecord } from './metered.js';

export const SAMPLE_PER_NETWORK_MONTH = 20;
export const SAMPLES_PER_EVENT = 16;

export interface ParkedFlow extends ParkedRecord {
  readonly dedupKey: string;
}

export interface ParkedCount {
  readonly accountId: string;
  readonly networkId: string;
  readonly period: string;
  readonly count: number;
}

export interface RecordsParked {
  readonly type: 'RecordsParked';
  readonly finalThrough: string;
  /** New keys by the period they are kept under. */
  readonly keys: ReadonlyMap<string, readonly string[]>;
  readonly counts: readonly ParkedCount[];
  readonly samples: readonly ParkedRecord[];
}

/** The key a parked record is counted once under: where it was on the bus (its message and its place in it). */
export const parkedKey = (stream: string, seq: number, index: number): string => hash('sha256', `parked\u0000${stream}\u0000${seq}\u0000${index}`, 'hex').slice(0, 32);

/** How many samples a network's month holds: `<period>|<network>`. */
export const sampleKey = (period: string, networkId: string) => `${period}|${networkId}`;

export interface ParkedState {
  readonly keys: Map<string, Set<string>>;
  readonly sampled: Map<string, number>;
}

/** The parked records of a batch that are new, counted, with the samples there is still room for. Keys are kept under `keptUnder(period)`. */
export function decideParked(parked: readonly ParkedFlow[], state: ParkedState, finalThrough: string, keptUnder: (period: string) => string): RecordsParked[] {
  const keys = new Map<string, string[]>();
  const seen = new Set<string>();
  const counts = new Map<string, { accountId: string; networkId: string; period: string; count: number }>();
  const samples: ParkedRecord[] = [];
  const sampledNow = new Map<string, number>();
  for (const record of parked) {
    const under = keptUnder(record.period);
    if (state.keys.get(under)?.has(record.dedupKey) || seen.has(record.dedupKey)) continue;
    seen.add(record.dedupKey);
    let list = keys.get(under);
    if (!list) keys.set(under, (list = []));
    list.push(record.dedupKey);
    const sk = sampleKey(record.period, record.networkId);
    const c = counts.get(`${record.accountId}|${sk}`);
    if (c) c.count++;
    else counts.set(`${record.accountId}|${sk}`, { accountId: record.accountId, networkId: record.networkId, period: record.period, count: 1 });
    const taken = (state.sampled.get(sk) ?? 0) + (sampledNow.get(sk) ?? 0);
    if (taken < SAMPLE_PER_NETWORK_MONTH && samples.length < SAMPLES_PER_EVENT) {
      const { dedupKey: _key, ...sample } = record;
      samples.push(sample);
      sampledNow.set(sk, (sampledNow.get(sk) ?? 0) + 1);
    }
  }
  if (keys.size === 0) return [];
  return [{ type: 'RecordsParked', finalThrough, keys, counts: [...counts.values()], samples }];
}

/** Adds an event's new keys to the partition's, by period. */
export function addKeys(keys: Map<string, Set<string>>, added: ReadonlyMap<string, readonly string[]>): void {
  for (const [under, list] of added) {
    let set = keys.get(under);
    if (!set) keys.set(under, (set = new Set()));
    for (const key of list) set.add(key);
  }
}

/** Counts the samples an event took (its keys are added by the partition, addKeys). */
export function evolveParked(state: ParkedState, event: RecordsParked): void {
  for (const s of event.samples) state.sampled.set(sampleKey(s.period, s.networkId), (state.sampled.get(sampleKey(s.period, s.networkId)) ?? 0) + 1);
}

/** An estimate of the bytes parked records add to a partition's event: their keys, and a sample of at most SAMPLES_PER_EVENT texts. */
export const parkedEventBytesOf = (parked: readonly ParkedFlow[]): number =>
  parked.length === 0 ? 0 : parked.length * 48 + Math.min(parked.length, SAMPLES_PER_EVENT) * (256 + 2 * parked.reduce((longest, p) => Math.max(longest, p.raw.length), 0));
