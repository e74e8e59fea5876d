// What a message on an event-store subject must be to count as a commit
// (wire format in commit.ts): small enough, JSON, version 1, every field of
// the right type, and recorded for the stream its subject names. Anything else
// is garbage: the store's consumers park and skip it (subscription.ts), reads
// refuse it with UnreadableCommitError, and nothing ever throws on it
// halfway through building a commit.
import { parseStreamId } from '../event-store.port.js';
import { garbage, isObject, screenJson, type GarbageReason, type Screened } from '../garbage/screen.js';
import { eventPosition, type Commit, type CommitEvent } from './commit.js';

/**
 * Largest commit a reader accepts, and so the largest an append writes
 * (jetstream.event-store.ts checks it too, so nothing written is ever parked).
 * Under nats-server's default max_payload (1 MiB), above the biggest commit the
 * platform makes (billing merges meter batches up to 3/4 of that payload).
 */
export const MAX_COMMIT_BYTES = 960 * 1024;
const MAX_EVENTS = 1 << 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const wrong = (detail: string) => garbage('wrong_shape', detail);

/** The commit in a message on `subject`, or why it is not one. */
export function readCommit(bytes: Uint8Array, subject: string, subjectPrefix: string): Screened<Commit> {
  const screened = screenJson(bytes, MAX_COMMIT_BYTES);
  if (!screened.ok) return screened;
  const wire = screened.value;
  if (!isObject(wire)) return wrong('not a JSON object');
  if (wire.v !== 1) return 'v' in wire ? garbage('unknown_version', `v=${JSON.stringify(wire.v)?.slice(0, 40)}`) : wrong('no v');
  if (typeof wire.stream !== 'string') return wrong('no stream');
  const expected = subjectOf(wire.stream, subjectPrefix);
  if (expected !== subject) return garbage('stream_mismatch', `commit of ${JSON.stringify(wire.stream.slice(0, 80))} on another subject`);
  if (!count(wire.prev) || !count(wire.first)) return wrong('prev and first must be non-negative integers');
  if (!Array.isArray(wire.events) || wire.events.length === 0 || wire.events.length > MAX_EVENTS) return wrong('events must be a list of 1 to 65,536');
  const events: CommitEvent[] = [];
  for (const [i, e] of wire.events.entries()) {
    const event = readEvent(e);
    if (typeof event === 'string') return wrong(`event #${i}: ${event}`);
    events.push(event);
  }
  return { ok: true, value: { streamId: wire.stream, prev: wire.prev, first: wire.first, events } };
}

function readEvent(e: unknown): CommitEvent | string {
  if (!isObject(e)) return 'not an object';
  if (typeof e.id !== 'string' || typeof e.type !== 'string' || e.type === '') return 'id and type must be strings';
  if (typeof e.data !== 'string' || e.data.length % 4 !== 0 || !BASE64.test(e.data)) return 'data must be base64';
  const metadata = e.metadata ?? {};
  if (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) return 'metadata must map strings to strings';
  return { id: e.id, type: e.type, data: Uint8Array.from(Buffer.from(e.data, 'base64')), metadata: metadata as Record<string, string> };
}

/** The subject a stream's commits are published on, or undefined for a stream id that has none. */
function subjectOf(streamId: string, subjectPrefix: string): string | undefined {
  try {
    const { category, id } = parseStreamId(streamId);
    return `${subjectPrefix}.${category}.${id}`;
  } catch {
    return undefined;
  }
}

/** A read met a message that is not a commit on the subject of the stream it reads. */
export class UnreadableCommitError extends Error {
  readonly code = 'unreadable_commit';
  constructor(
    readonly subject: string,
    readonly seq: number,
    readonly reason: GarbageReason,
    detail: string,
  ) {
    super(
      `${subject}: the message at stream sequence ${seq} is not a commit (${reason}: ${detail}); ` +
        `the stream cannot be read or appended to past it (the event stream denies deletes, so it stays parked)`,
    );
    this.name = 'UnreadableCommitError';
  }
}

/**
 * Position of the newest event in a message: its commit's last event, or, for
 * garbage, the message's own (index 0), which a subscription passes when it
 * skips it. So a category whose newest message is garbage still has a head,
 * and catching up with it completes.
 */
export function lastPositionIn(m: { seq: number; subject: string; data: Uint8Array }, subjectPrefix: string): bigint {
  const read = readCommit(m.data, m.subject, subjectPrefix);
  return eventPosition(m.seq, read.ok ? read.value.events.length - 1 : 0);
}
