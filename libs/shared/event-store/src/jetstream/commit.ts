// The JetStream adapter stores each append as ONE message, a "commit", so an
// append of several events is all-or-nothing (nats-server 2.9 has no atomic
// multi-message publish). Wire format, JSON (readable with `nats stream get`):
//
//   { "v": 1, "stream": "order-42", "prev": 17, "first": 3,
//     "events": [{ "id": "…", "type": "OrderPlaced", "data": "<base64>", "metadata": { "k": "v" } }] }
//
// `first` is the revision of the first event (the others follow on), and
// `prev` is the stream sequence of the subject's previous commit (0 for the
// first one). The server checked `prev` at publish time (it is the expected
// last subject sequence), so commits form a reliable backward chain that reads
// can follow with direct gets instead of scanning the stream.
//
// Positions: an event's position is its commit's stream sequence shifted left
// by 16 bits, plus its index within the commit. Every event gets its own,
// increasing in stream order, and a commit holds at most 65,536 events.
import type { RecordedEvent } from '../event-store.port.js';

export interface CommitEvent {
  readonly id: string;
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Commit {
  readonly streamId: string;
  readonly prev: number;
  readonly first: number;
  readonly events: readonly CommitEvent[];
}

/** Decoding, and every check of what arrives, is readCommit's (commit-check.ts). */
interface WireCommit {
  v: 1;
  stream: string;
  prev: number;
  first: number;
  events: { id: string; type: string; data: string; metadata: Record<string, string> }[];
}

export function encodeCommit(commit: Commit): Uint8Array {
  const wire: WireCommit = {
    v: 1,
    stream: commit.streamId,
    prev: commit.prev,
    first: commit.first,
    events: commit.events.map((e) => ({
      id: e.id,
      type: e.type,
      data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'),
      metadata: { ...e.metadata },
    })),
  };
  return new TextEncoder().encode(JSON.stringify(wire));
}

export function lastRevision(commit: Commit): number {
  return commit.first + commit.events.length - 1;
}

/** Most events one commit (one append) can hold: the index within it has 16 bits of the position. */
export const MAX_COMMIT_EVENTS = 1 << 16;
const INDEX_BITS = 16n;

/** Position of the event at `index` in the commit at stream sequence `seq`. */
export function eventPosition(seq: number, index: number): bigint {
  return (BigInt(seq) << INDEX_BITS) | BigInt(index);
}

/** Stream sequence of the commit holding the event at `position`. */
export function commitSeq(position: bigint): number {
  return Number(position >> INDEX_BITS);
}

/** `seq` is the commit's stream sequence: each event's position derives from it and the event's index. */
export function recordedEvents(commit: Commit, seq: number, recordedAt: Date): RecordedEvent[] {
  return commit.events.map((e, i) => ({
    streamId: commit.streamId,
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    revision: commit.first + i,
    position: eventPosition(seq, i),
    recordedAt,
  }));
}
