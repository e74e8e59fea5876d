// The one port every service uses to persist and read events. Two adapters
// implement it (NATS JetStream, EventStoreDB) and one contract suite holds
// both to the same behaviour.
//
// Stream ids are `<category>-<id>`: the category is everything before the
// first `-` and must match [a-z][a-z0-9_]*; the id is [A-Za-z0-9_-]+. That keeps
// ids valid as NATS subject tokens and as EventStoreDB stream names alike.

/** What an append expects the stream to be at: anything, absent, or at this exact revision. */
export type ExpectedRevision = 'any' | 'no_stream' | number;

export interface EventData {
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Unique id of the event; generated when absent. */
  readonly id?: string;
}

export interface RecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly data: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
  /** Position of the event within its stream, from 0. */
  readonly revision: number;
  /**
   * Global position of the event. Every event has its own, strictly increasing
   * in the order events are delivered; the events of one append are contiguous
   * (nothing comes between them). Positions are not consecutive numbers:
   * compare them, don't count with them. Use the position of the last handled
   * event as the subscription checkpoint (`SubscribeOptions.after`).
   */
  readonly position: bigint;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  readonly nextExpectedRevision: number;
  /** Position of the append's last event: `subscribe(…, { after: position })` starts after the whole append. */
  readonly position: bigint;
}

export interface ReadOptions {
  /** First revision to return (inclusive); default 0. */
  readonly fromRevision?: number;
  /**
   * A hint: the position of the stream's event at `fromRevision - 1` (say,
   * from a snapshot). Lets an adapter start reading there rather than at the
   * stream's beginning. Results are the same with or without it.
   */
  readonly afterPosition?: bigint;
  /**
   * At most this many events (from `fromRevision` on); default all. A page of
   * a long stream reads only what the page needs, not the stream's tail.
   */
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  /**
   * Deliver exactly the events whose position is greater than this checkpoint
   * (the position of the last handled event): one taken midway through an
   * append resumes with the rest of that append. Default: from the start.
   */
  readonly after?: bigint;
}

export type EventHandler = (event: RecordedEvent) => Promise<void> | void;

export interface Subscription {
  /** Resolves once every event that existed when the subscription started has been handled. */
  readonly caughtUp: Promise<void>;
  /**
   * Since when (epoch ms) the subscription has known of events it has not
   * handled yet, or has been cut off from the store; undefined when it is at
   * the head as far as it knows. Cheap (no call to the store). Adapters that
   * cannot tell leave it out; projections then ask `head()` instead.
   */
  behindSince?(): number | undefined;
  close(): Promise<void>;
}

/** The newest event of a category: how far a projection of it has to go. */
export interface CategoryHead {
  readonly position: bigint;
  readonly recordedAt: Date;
}

export interface EventStore {
  /**
   * Appends all events or none. Fails with WrongExpectedRevisionError when the
   * stream is not at `expected`. Appending no events is an error.
   */
  append(streamId: string, events: readonly EventData[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream, oldest first; an empty array when the stream does not exist. */
  read(streamId: string, options?: ReadOptions): Promise<RecordedEvent[]>;
  /**
   * Every event of every stream of a category, in position order, at least once.
   * A handler that throws gets the same event again after a short delay.
   */
  subscribe(category: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Position of the newest event of a category, or undefined when it has none. Cheap: projections poll it to measure their lag. */
  head(category: string): Promise<CategoryHead | undefined>;
  /**
   * Drops whatever this instance remembers about a stream to save a round
   * trip (its head), because no append to it is expected soon: memory then
   * follows the streams in use, not every stream ever written. Never needed
   * for correctness; optional.
   */
  forget?(streamId: string): void;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'wrong_expected_revision';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, found ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class InvalidStreamIdError extends Error {
  readonly code = 'invalid_stream_id';
  constructor(readonly streamId: string) {
    super(`invalid stream id "${streamId}": expected <category>-<id> with category [a-z][a-z0-9_]* and id [A-Za-z0-9_-]+`);
    this.name = 'InvalidStreamIdError';
  }
}

const STREAM_ID = /^([a-z][a-z0-9_]*)-([A-Za-z0-9_-]+)$/;

/** Splits a stream id into category and id, or throws InvalidStreamIdError. */
export function parseStreamId(streamId: string): { category: string; id: string } {
  const match = STREAM_ID.exec(streamId);
  if (!match) throw new InvalidStreamIdError(streamId);
  return { category: match[1]!, id: match[2]! };
}
