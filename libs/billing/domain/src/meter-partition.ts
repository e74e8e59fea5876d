// The meter partition: the aggregate that decides which flows of a batch
// count. Networks are spread over N partitions (hash of the network id), and
// each partition is one event stream, appended at its expected revision: two
// billing instances, or a message redelivered after a crash, decide against
// the newest keys and a flow is counted once. One event per batch records its
// new dedup keys and its bytes summed per usage row, so a thousand flows are
// one append, not a thousand.
//
// Bounded state. Keys are kept under the invoice a flow is billed on (its
// billed period), and a period's keys are forgotten once its invoice is
// final. Why this stays exact:
//   - A redelivery (crash between append and ack, nak, ack timeout) is of a
//     message that has not been acked yet. An invoice is final only once the
//     oldest message not acked yet reached the bus after the period's close
//     (MonthsClosed, months-closed.ts); so every message that could be
//     redelivered with flows billed on that invoice was acked first, and
//     nothing still in flight needs its keys.
//   - A flow that arrives after its month is final is billed on a later,
//     open invoice (adjustments) and keyed again there: its own redeliveries
//     and replays find it while that invoice is open.
//   - Should a flow still name an invoice the partition has forgotten (an
//     instance whose clock runs ahead), it is moved to the first open one,
//     as any late flow, never into the final one.
// What it gives up against one stream per flow kept forever: the same flow
// published again (a new message, not a redelivery) after its invoice is
// final counts again, on an adjustments line. Dedup is exact while the
// invoice is open, which is what the issue asks (not for as long as the
// history is kept).
import type { Decider } from '@pn/decider';
import type { Attribution, MeteredFlow, UsageRow } from './metered.js';
import { addKeys, decideParked, evolveParked, type ParkedFlow, type RecordsParked } from './parked-records.js';
import { nextPeriod } from './period.js';

export interface MeterBatch {
  /** Flows of this partition, classified, each with its dedup key. */
  readonly flows: readonly MeteredFlow[];
  /** Records of this partition's networks that cannot be metered (parked-records.ts). */
  readonly parked?: readonly ParkedFlow[];
  /** The newest period whose invoice is final as the meter sees it now ('' when none). */
  readonly finalThrough: string;
}

export interface FlowsMetered {
  readonly type: 'FlowsMetered';
  readonly finalThrough: string;
  /** New keys by billed period. */
  readonly keys: ReadonlyMap<string, readonly string[]>;
  readonly rows: readonly UsageRow[];
  /** Rejected flows one by one: each is listed to its account. */
  readonly rejected: readonly MeteredFlow[];
}

export type PartitionEvent = FlowsMetered | RecordsParked;

export interface PartitionState {
  /** Keys of this period and earlier ones are forgotten ('' when none yet). */
  finalThrough: string;
  /** Dedup keys of the open invoices, by billed period (parked records' too, by the period they arrived in). */
  readonly keys: Map<string, Set<string>>;
  /** Parked records' samples taken, by `<period>|<network>` (parked-records.ts). */
  readonly sampled: Map<string, number>;
}

// Periods are YYYY-MM: their text order is their time order.
const later = (a: string, b: string) => (a > b ? a : b);

/**
 * Whether two flows fall in one usage row: equal in everything the usage book
 * sums by (the resource id is compared by the caller). Field by field rather
 * than by a joined key: a dozen strings joined per flow showed in the
 * profile, and equal fields are mostly the very same strings.
 */
export const sameRow = (a: Attribution, b: Attribution) =>
  a.class === b.class &&
  a.day === b.day &&
  a.period === b.period &&
  a.billedPeriod === b.billedPeriod &&
  a.targetResourceId === b.targetResourceId &&
  a.accountId === b.accountId &&
  a.projectId === b.projectId &&
  a.resourceName === b.resourceName &&
  a.resourceKind === b.resourceKind &&
  a.targetResourceName === b.targetResourceName &&
  a.targetResourceKind === b.targetResourceKind;

interface Sum {
  readonly row: MeteredFlow;
  bytes: bigint;
  flows: number;
}

export function decideBatch(command: MeterBatch, state: PartitionState): PartitionEvent[] {
  const finalThrough = later(state.finalThrough, command.finalThrough);
  const firstOpen = finalThrough ? nextPeriod(finalThrough) : '';
  const parked = decideParked(command.parked ?? [], state, finalThrough, (period) => (firstOpen && period < firstOpen ? firstOpen : period));
  return [...decideFlows(command, state, finalThrough, firstOpen), ...parked];
}

function decideFlows(command: MeterBatch, state: PartitionState, finalThrough: string, firstOpen: string): FlowsMetered[] {
  const keys = new Map<string, string[]>();
  const fresh = new Map<string, Set<string>>();
  // Rows by resource id, then the few that differ in class, day, target…; `order` keeps first appearance.
  const rows = new Map<string, Sum[]>();
  const order: Sum[] = [];
  const rejected: MeteredFlow[] = [];
  for (const given of command.flows) {
    const flow = firstOpen && given.billedPeriod < firstOpen ? { ...given, billedPeriod: firstOpen } : given;
    const billed = flow.billedPeriod;
    let inBatch = fresh.get(billed);
    if (state.keys.get(billed)?.has(flow.dedupKey) || inBatch?.has(flow.dedupKey)) continue;
    if (!inBatch) {
      fresh.set(billed, (inBatch = new Set()));
      keys.set(billed, []);
    }
    inBatch.add(flow.dedupKey);
    keys.get(billed)!.push(flow.dedupKey);
    if (flow.class === 'rejected') {
      rejected.push(flow);
      continue;
    }
    let sums = rows.get(flow.resourceId);
    if (!sums) rows.set(flow.resourceId, (sums = []));
    const sum = sums.find((s) => sameRow(s.row, flow));
    if (sum) {
      sum.bytes += flow.bytes;
      sum.flows++;
    } else {
      const added = { row: flow, bytes: flow.bytes, flows: 1 };
      sums.push(added);
      order.push(added);
    }
  }
  if (keys.size === 0) return []; // every flow already counted: a redelivery or a replay
  return [
    {
      type: 'FlowsMetered',
      finalThrough,
      keys,
      rows: order.map(({ row, bytes, flows }) => toRow(row, bytes, flows)),
      rejected,
    },
  ];
}

const toRow = (f: MeteredFlow, bytes: bigint, flows: number): UsageRow => ({
  class: f.class,
  accountId: f.accountId,
  projectId: f.projectId,
  resourceId: f.resourceId,
  resourceKind: f.resourceKind,
  resourceName: f.resourceName,
  targetResourceId: f.targetResourceId,
  targetResourceName: f.targetResourceName,
  targetResourceKind: f.targetResourceKind,
  period: f.period,
  day: f.day,
  billedPeriod: f.billedPeriod,
  bytes,
  flows,
});

/** Evolves in place (the command handler holds the one copy, under the partition's lock). */
export function evolvePartition(state: PartitionState, event: PartitionEvent): PartitionState {
  addKeys(state.keys, event.keys);
  if (event.type === 'RecordsParked') evolveParked(state, event);
  if (event.finalThrough > state.finalThrough) state.finalThrough = event.finalThrough;
  for (const billed of state.keys.keys()) if (billed <= state.finalThrough) state.keys.delete(billed);
  for (const sampled of state.sampled.keys()) if (sampled.slice(0, 7) <= state.finalThrough) state.sampled.delete(sampled);
  return state;
}

export const meterPartitionDecider: Decider<MeterBatch, PartitionEvent, PartitionState> = {
  decide: decideBatch,
  evolve: evolvePartition,
  initialState: () => ({ finalThrough: '', keys: new Map(), sampled: new Map() }),
};

/** Keys are 32 hex characters: a snapshot holds each period's keys as one string (a list of a million strings is slow to write and read). */
export const partitionStateJson = {
  toJson: (state: PartitionState): unknown => ({ finalThrough: state.finalThrough, keys: [...state.keys].map(([billed, set]) => [billed, [...set].join('')]), sampled: [...state.sampled] }),
  fromJson: (json: unknown): PartitionState => {
    // `sampled` is absent from snapshots taken before parked records were sampled.
    const wire = json as { finalThrough: string; keys: Array<[string, string]>; sampled?: Array<[string, number]> };
    const keys = new Map<string, Set<string>>();
    for (const [billed, joined] of wire.keys) keys.set(billed, new Set(splitKeys(joined)));
    return { finalThrough: wire.finalThrough, keys, sampled: new Map(wire.sampled ?? []) };
  },
};

export const KEY_LENGTH = 32;

/** Concatenated 32-character keys, split again. */
export function splitKeys(joined: string): string[] {
  if (joined.length % KEY_LENGTH !== 0) throw new Error(`keys of ${KEY_LENGTH} characters expected, got ${joined.length} characters`);
  const keys: string[] = [];
  for (let i = 0; i < joined.length; i += KEY_LENGTH) keys.push(joined.slice(i, i + KEY_LENGTH));
  return keys;
}

/** The partition a network's flows are metered in: FNV-1a of its id, mod N (stable across processes and restarts). */
export function partitionOf(networkId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < networkId.length; i++) {
    h ^= networkId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
