// How large a partition's append is, estimated before it is decided, so
// batches merged into one append stay under the bus's payload limit. The
// FlowsMetered event (meter-partition.ts) holds a batch's new dedup keys, one
// usage row per distinct attribution, and every rejected flow in full; the
// JetStream event store carries it base64 inside a JSON commit (4 bytes per 3,
// plus the commit's own fields). Every figure is an upper bound: a string's
// length prefix and a number are counted at their widest, a row shared by two
// merged batches counts in both, and the decider only ever merges rows.
import type { Attribution, MeteredFlow } from './metered.js';
import { sameRow } from './meter-partition.js';

/** The bus's payload limit (nats-server's default max_payload). */
export const BUS_PAYLOAD_LIMIT = 1024 * 1024;
/** The commit's JSON around the event's base64 (stream id, revisions, event id, type, metadata), generously. */
const COMMIT_OVERHEAD = 2048;
/** The event's own fields (final month, per billed month the key list's framing), generously. */
const EVENT_OVERHEAD = 256;
const KEY = 32 + 1; // a dedup key, and room for a billed month's framing shared by many
/** Tag, length prefix up to 16,383 bytes, and the text; UTF-8 counted at up to 3 bytes a code unit. */
const text = (s: string) => {
  let n = s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) n += 2;
  return 3 + n;
};
const NUMBER = 11; // tag and a 64-bit varint at its widest
const DECIMAL = 3 + 20; // a byte counter as decimal text (a sum of bigints: 20 digits covers 2^64)
const MESSAGE = 3; // an embedded message's tag and length

const rowBytes = (a: Attribution) =>
  MESSAGE +
  text(a.accountId) +
  text(a.projectId) +
  text(a.resourceId) +
  text(a.resourceKind) +
  text(a.resourceName) +
  text(a.class) +
  text(a.targetResourceId) +
  text(a.targetResourceName) +
  text(a.targetResourceKind) +
  text(a.period) +
  text(a.billedPeriod) +
  text(a.day) +
  DECIMAL +
  NUMBER;

const rejectedBytes = (f: MeteredFlow) =>
  rowBytes(f) + text(f.dedupKey) + text(f.flowId) + text(f.networkId) + text(f.srcIp) + text(f.dstIp) + text(f.reason) + 2 * DECIMAL + 6 * NUMBER;

/** Whether two flows share a usage row: the same resource, and equal in all the usage book sums by. */
const sameResourceRow = (a: Attribution, b: Attribution) => a.resourceId === b.resourceId && sameRow(a, b);

/** At least the bytes of the FlowsMetered event a batch of these flows becomes (before base64). */
export function eventBytesOf(flows: readonly MeteredFlow[]): number {
  let n = EVENT_OVERHEAD;
  const rows = new Map<string, Attribution[]>();
  for (const flow of flows) {
    n += KEY;
    if (flow.class === 'rejected') {
      n += rejectedBytes(flow);
      continue;
    }
    let seen = rows.get(flow.resourceId);
    if (!seen) rows.set(flow.resourceId, (seen = []));
    if (seen.some((r) => sameResourceRow(r, flow))) continue;
    seen.push(flow);
    n += rowBytes(flow);
  }
  return n;
}

/** The commit that carries an event of `eventBytes`: base64 (4 bytes per 3) in JSON. */
export const commitBytesOf = (eventBytes: number): number => 4 * Math.ceil(eventBytes / 3) + COMMIT_OVERHEAD;

/**
 * How many of the waiting batches (their event estimates, oldest first) one
 * append takes: as many as keep its commit within `budget`, and always the
 * first (alone it is appended as it is; see splitBatch for one too large).
 */
export function batchesToTake(eventBytes: readonly number[], budget: number): number {
  let take = 1;
  let sum = eventBytes[0] ?? 0;
  while (take < eventBytes.length && commitBytesOf(sum + eventBytes[take]!) <= budget) sum += eventBytes[take++]!;
  return take;
}

/**
 * A batch whose commit would pass `budget`, as pieces that each stay within
 * it (in order). A message's flows may be recorded in several appends: each
 * flow counts once by its dedup key, so a crash between them redelivers the
 * message and the pieces already recorded count nothing again.
 */
export function splitBatch(flows: readonly MeteredFlow[], budget: number): MeteredFlow[][] {
  if (flows.length <= 1 || commitBytesOf(eventBytesOf(flows)) <= budget) return [[...flows]];
  const half = Math.ceil(flows.length / 2);
  return [...splitBatch(flows.slice(0, half), budget), ...splitBatch(flows.slice(half), budget)];
}
