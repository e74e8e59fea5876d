// The default adapter: events in one NATS JetStream stream (works with
// nats-server 2.9). Stream `<category>-<id>` is subject `<prefix>.<category>.<id>`;
// each append is one message (a commit, see jetstream/commit.ts) published
// with `expect.lastSubjectSequence`, which makes the server check, per
// subject, that nobody appended since we looked: optimistic concurrency
// without a lock. An event's position is its commit's stream sequence and its
// index in the commit (see jetstream/commit.ts), so each event has its own.
//
// Garbage on a subject (a message that is not a commit, see
// jetstream/commit-check.ts) is parked in the garbage bin wherever it is met.
// Subscriptions and head() skip it. A read of the one stream whose subject
// holds it fails with UnreadableCommitError instead of skipping it: its
// commits chain backwards through `prev`, the garbage breaks the chain, and an
// aggregate decided on a guess at its history could hand out an address
// twice; so that stream's commands fail clearly while every other stream, and
// every read model, goes on.
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import {
  parseStreamId,
  WrongExpectedRevisionError,
  type AppendResult,
  type CategoryHead,
  type EventData,
  type EventHandler,
  type EventStore,
  type ExpectedRevision,
  type ReadOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';
import { GarbageBin } from './garbage/garbage-bin.js';
import { checkAppend, checkCategory } from './internal/guards.js';
import { Delivery, type DeliveryOptions } from './internal/delivery.js';
import { OpenSubscriptions } from './internal/subscriptions.js';
import {
  commitSeq,
  encodeCommit,
  eventPosition,
  lastRevision,
  MAX_COMMIT_EVENTS,
  recordedEvents,
  type Commit,
} from './jetstream/commit.js';
import { lastPositionIn, MAX_COMMIT_BYTES, readCommit, UnreadableCommitError } from './jetstream/commit-check.js';
import { untilJetStreamAvailable } from './jetstream/availability.js';
import { boundedPublish } from './jetstream/bounded-publish.js';
import { ensureStream } from './jetstream/stream.js';
import { startSubscription } from './jetstream/subscription.js';

export interface JetStreamEventStoreOptions extends DeliveryOptions {
  /** JetStream stream name; default `EVENTS`. */
  readonly stream?: string;
  /** First subject token; the stream captures `<prefix>.>`. Default `es`. */
  readonly subjectPrefix?: string;
  /** How long JetStream remembers message ids to drop duplicate publishes; default 2 minutes. */
  readonly duplicateWindowMs?: number;
  /**
   * A read follows the commit chain backwards with direct gets (cheap for the
   * recent tail, and reads from a snapshot revision); past this many commits
   * it streams the older ones through a consumer instead. Default 32.
   */
  readonly maxDirectReads?: number;
  /** Copies of the stream kept by a NATS cluster (EVENT_STREAM_REPLICAS); default 1. Set when the stream is created. */
  readonly replicas?: number;
  /** Where messages that are not commits are parked; default a bin of this store's own. */
  readonly garbage?: GarbageBin;
  /**
   * Asked at each append: how long it may wait for its ack, in all (the time
   * the request it is made for has left; see jetstream/bounded-publish.ts).
   * Undefined, or no option: the client's own timeout and retries.
   */
  readonly appendBudgetMs?: () => number | undefined;
}

/**
 * Opens the store, creating or updating its stream. Given a URL (comma
 * separated for several servers) or connection options, the store owns the connection and drains it
 * on close(); given a connection, closing it stays the caller's job.
 */
export async function createJetStreamEventStore(
  connection: NatsConnection | string | ConnectionOptions,
  options: JetStreamEventStoreOptions = {},
): Promise<JetStreamEventStore> {
  const owned = typeof connection === 'string' || !('publish' in connection);
  // noAsyncTraces: no Error (with its stack) made up front for every request; a
  // measurable share of CPU on the hot path, for traces only seen on failure.
  // Reconnects for as long as it takes: an event store that gave up after an outage would need a restart.
  const connectOptions = typeof connection === 'string' ? { servers: connection.split(',') } : connection;
  const nc = owned
    ? await connect({ name: 'event-store', noAsyncTraces: true, maxReconnectAttempts: -1, ...(connectOptions as ConnectionOptions) })
    : (connection as NatsConnection);
  try {
    // While a cluster elects its leaders this waits (a service that exits here is only started again after a backoff).
    const jsm = await untilJetStreamAvailable('JetStream API', () => jetstreamManager(nc));
    const store = new JetStreamEventStore(nc, owned, jetstream(nc), jsm, options);
    const settings = {
      name: store.stream,
      subjectPrefix: store.subjectPrefix,
      duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
      replicas: options.replicas ?? 1,
    };
    await untilJetStreamAvailable(`stream ${store.stream}`, () => ensureStream(jsm, settings));
    return store;
  } catch (error) {
    if (owned) await nc.close();
    throw error;
  }
}

/** A subject's newest commit, as appends and reads need it. */
interface Head {
  readonly seq: number;
  readonly time: Date;
  readonly commit: Commit;
}

// An 'any' append still needs the current revision to number its events; it
// retries when another writer slips in between, up to this many times.
const ANY_RETRIES = 10;
/** Heads remembered to save a round trip per append; beyond this the least recently used are forgotten. */
const MAX_KNOWN_HEADS = 100_000;

export class JetStreamEventStore implements EventStore {
  readonly stream: string;
  readonly subjectPrefix: string;
  private readonly maxDirectReads: number;
  private readonly garbage: GarbageBin;
  private readonly subscriptions = new OpenSubscriptions();
  /** Last known head (sequence and revision) per subject, least recently used first. */
  private readonly heads = new Map<string, { seq: number; revision: number }>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamEventStoreOptions,
  ) {
    this.stream = options.stream ?? 'EVENTS';
    this.subjectPrefix = options.subjectPrefix ?? 'es';
    this.maxDirectReads = options.maxDirectReads ?? 32;
    this.garbage = options.garbage ?? new GarbageBin();
  }

  async append(streamId: string, events: readonly EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    const { category, id } = checkAppend(streamId, events, expected);
    if (events.length > MAX_COMMIT_EVENTS) {
      throw new Error(`append to ${streamId}: at most ${MAX_COMMIT_EVENTS} events per append on JetStream, got ${events.length}`);
    }
    const subject = `${this.subjectPrefix}.${category}.${id}`;
    const withIds = events.map((e) => ({ id: e.id ?? randomUUID(), type: e.type, data: e.data, metadata: e.metadata ?? {} }));
    for (let attempt = 0; ; attempt++) {
      // The subject's last commit: skip asking the server when the answer is
      // known (a new stream, or the head this instance last wrote or read).
      // The server checks `lastSubjectSequence` anyway, so a stale guess can
      // only fail the publish, never overwrite anything.
      const known = attempt === 0 ? this.knownHead(subject, expected) : undefined;
      const head = known === undefined ? await this.subjectHead(subject) : known;
      const current = head ? head.revision : 'no_stream';
      if (expected === 'no_stream' ? current !== 'no_stream' : expected !== 'any' && current !== expected) {
        throw new WrongExpectedRevisionError(streamId, expected, current);
      }
      const prev = head?.seq ?? 0;
      const first = current === 'no_stream' ? 0 : current + 1;
      const bytes = encodeCommit({ streamId, prev, first, events: withIds });
      // Readers park a commit over this as garbage: never write one.
      if (bytes.byteLength > MAX_COMMIT_BYTES) throw new Error(`append to ${streamId}: the commit is ${bytes.byteLength} bytes, more than ${MAX_COMMIT_BYTES}`);
      try {
        const publish = {
          expect: { lastSubjectSequence: prev },
          // Unique per append attempt, so retries after a timeout dedup, but
          // a rival writer's append at the same revision does not pass for
          // ours: the server checks msgID before the expectation.
          msgID: `${streamId}:${first}:${withIds[0]!.id}`,
        };
        const ack = await boundedPublish(this.js, subject, bytes, publish, this.options.appendBudgetMs?.());
        const revision = first + withIds.length - 1;
        this.remember(subject, { seq: ack.seq, revision });
        return { nextExpectedRevision: revision, position: eventPosition(ack.seq, withIds.length - 1) };
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        this.heads.delete(subject);
        if (expected !== 'any' || attempt >= ANY_RETRIES) {
          const now = await this.subjectHead(subject);
          throw new WrongExpectedRevisionError(streamId, expected, now ? now.revision : 'no_stream');
        }
      }
    }
  }

  /** The head to assume for an append, or undefined when the server must be asked. */
  private knownHead(subject: string, expected: ExpectedRevision): { seq: number; revision: number } | null | undefined {
    if (expected === 'no_stream') return null;
    const cached = this.heads.get(subject);
    return typeof expected === 'number' && cached?.revision === expected ? cached : undefined;
  }

  forget(streamId: string): void {
    const { category, id } = parseStreamId(streamId);
    this.heads.delete(`${this.subjectPrefix}.${category}.${id}`);
  }

  private remember(subject: string, head: { seq: number; revision: number }): void {
    this.heads.delete(subject); // re-insert: the Map's order is then least recently used first
    this.heads.set(subject, head);
    if (this.heads.size > MAX_KNOWN_HEADS) this.heads.delete(this.heads.keys().next().value!);
  }

  async read(streamId: string, options: ReadOptions = {}): Promise<RecordedEvent[]> {
    const { category, id } = parseStreamId(streamId);
    const subject = `${this.subjectPrefix}.${category}.${id}`;
    const from = options.fromRevision ?? 0;
    // The last revision asked for: a page (maxCount) ends there.
    const until = options.maxCount === undefined ? Infinity : from + options.maxCount - 1;
    if (until < from) return [];
    const head = await this.subjectHead(subject);
    if (!head || head.revision < from) return [];
    const wanted = (e: RecordedEvent) => e.revision >= from && e.revision <= until;
    if (head.revision - until > this.maxDirectReads) {
      // A page that ends well before the newest event: read forward from the
      // page's first commit and stop at its last, rather than walk back
      // through everything newer.
      const batch = Math.min(512, options.maxCount! + 2);
      const commits = await this.scanFrom(subject, head.seq, from, options.afterPosition, batch, (c) => lastRevision(c.commit) >= until);
      return commits.flatMap((c) => recordedEvents(c.commit, c.seq, c.time)).filter(wanted);
    }
    // Newest first, following `prev` until the commit holding `from`: only
    // the commits asked for are read, whatever the size of the stream. A page
    // here ends near the newest event, so it walks all the way back (at most
    // maxDirectReads + maxCount commits) rather than scan from the hint or the
    // stream's start.
    const maxWalk = options.maxCount === undefined ? this.maxDirectReads : Math.max(this.maxDirectReads, head.revision - from + 1);
    const chain: Head[] = [head];
    let oldest: Head = head;
    while (oldest.commit.first > from && oldest.commit.prev > 0 && chain.length <= maxWalk) {
      oldest = await this.commitAt(oldest.commit.prev);
      chain.push(oldest);
    }
    chain.reverse();
    if (oldest.commit.first > from && oldest.commit.prev > 0) {
      // Start at the hinted commit if any (a snapshot's, a page cursor's): a long stream is not re-read from its first commit.
      chain.unshift(...(await this.scanFrom(subject, oldest.commit.prev, from, options.afterPosition)));
    }
    return chain.flatMap((c) => recordedEvents(c.commit, c.seq, c.time)).filter(wanted);
  }

  async subscribe(category: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkCategory(category);
    const target = {
      nc: this.nc,
      js: this.js,
      jsm: this.jsm,
      stream: this.stream,
      subjectPrefix: this.subjectPrefix,
      category,
      garbage: this.garbage,
      after: options.after ?? 0n,
    };
    return this.subscriptions.add(() => startSubscription(target, new Delivery(handler, this.options)));
  }

  async head(category: string): Promise<CategoryHead | undefined> {
    checkCategory(category);
    const m = await this.jsm.direct.getMessage(this.stream, { last_by_subj: `${this.subjectPrefix}.${category}.>` });
    if (!m) return undefined;
    return { position: lastPositionIn(m, this.subjectPrefix), recordedAt: m.time };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.subscriptions.closeAll();
      if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
    })();
    return this.closing;
  }

  private async subjectHead(subject: string): Promise<{ seq: number; revision: number; commit: Head['commit']; time: Date } | null> {
    const m = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
    if (!m) return null;
    const head = this.toHead(m);
    const revision = lastRevision(head.commit);
    this.remember(subject, { seq: head.seq, revision });
    return { ...head, revision };
  }

  private async commitAt(seq: number): Promise<Head> {
    const m = await this.jsm.direct.getMessage(this.stream, { seq });
    if (!m) throw new Error(`stream ${this.stream}: commit at sequence ${seq} is missing (purged?)`);
    return this.toHead(m);
  }

  /**
   * The subject's commits from the one holding revision `from` up to `untilSeq`
   * (or until `enough`), starting at the hinted position when there is one.
   * The hint is checked, not trusted: one past the commit holding `from` (a
   * forged page cursor, say) would skip events, so the scan starts over from
   * the stream's beginning and the result never depends on the hint.
   */
  private async scanFrom(subject: string, untilSeq: number, from: number, hint: bigint | undefined, batch?: number, enough?: (c: Head) => boolean): Promise<Head[]> {
    if (hint !== undefined) {
      const commits = await this.scan(subject, untilSeq, commitSeq(hint), batch, enough);
      if (commits.length > 0 && commits[0]!.commit.first <= from) return commits;
    }
    return this.scan(subject, untilSeq, 1, batch, enough);
  }

  /** The subject's commits from `startSeq` up to and including `untilSeq` (or the first one `enough` accepts), oldest first, through an ordered consumer. */
  private async scan(subject: string, untilSeq: number, startSeq: number, batch = 512, enough: (c: Head) => boolean = () => false): Promise<Head[]> {
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: subject, opt_start_seq: Math.max(1, Math.min(startSeq, untilSeq)) });
    const messages = await consumer.consume({ max_messages: batch });
    const commits: Head[] = [];
    try {
      for await (const m of messages) {
        const commit = this.toHead(m);
        commits.push(commit);
        if (m.seq >= untilSeq || enough(commit)) break;
        if (m.info.pending === 0) throw new Error(`stream ${this.stream}: ${subject} ends before sequence ${untilSeq}`);
      }
    } finally {
      messages.stop();
      await consumer.delete().catch(() => {});
    }
    return commits;
  }

  private toHead(m: Pick<StoredMsg, 'seq' | 'time' | 'subject' | 'data'>): Head {
    const read = readCommit(m.data, m.subject, this.subjectPrefix);
    if (read.ok) return { seq: m.seq, time: m.time, commit: read.value };
    const category = m.subject.slice(this.subjectPrefix.length + 1).split('.')[0] ?? '';
    this.garbage.park({ consumer: `es:${category}`, subject: m.subject, stream: this.stream, seq: m.seq, reason: read.reason, detail: read.detail, bytes: m.data.byteLength });
    throw new UnreadableCommitError(m.subject, m.seq, read.reason, read.detail);
  }
}

function isWrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence;
}
