// The same port over EventStoreDB / KurrentDB (@eventstore/db-client 6.x,
// gRPC). A port stream id is used as the EventStoreDB stream name as is; its
// `<category>-` prefix is what category subscriptions filter on.
//
// Positions: each event's position is its commit position in $all. Modern
// servers give every event its own (its record's log position), and an append
// reports its last event's, so `subscribe(…, { after: append.position })`
// starts after that append. (Legacy explicit transactions, which this adapter
// never writes, gave their events one shared commit position.)
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
} from '@eventstore/db-client';
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
import { Delivery, type DeliveryOptions } from './internal/delivery.js';
import { OpenSubscriptions } from './internal/subscriptions.js';
import { checkAppend, checkCategory } from './internal/guards.js';
import { fromEsdbEvent, toEsdbEvent } from './eventstoredb/mapping.js';
import { startSubscription } from './eventstoredb/subscription.js';

export type EventStoreDbEventStoreOptions = DeliveryOptions;

/**
 * Given a connection string (`esdb://…`, `esdb+discover://…`, or the same with
 * `kurrentdb` / `kurrent` as scheme) the store owns the client and disposes of
 * it on close(); given a client, disposing of it stays the caller's job.
 * The client connects lazily, on first use.
 */
export function createEventStoreDbEventStore(
  connection: EventStoreDBClient | string,
  options: EventStoreDbEventStoreOptions = {},
): EventStoreDbEventStore {
  if (typeof connection !== 'string') return new EventStoreDbEventStore(connection, false, options);
  return new EventStoreDbEventStore(EventStoreDBClient.connectionString(toEsdbScheme(connection)), true, options);
}

/** db-client 6.x only knows the `esdb` schemes; KurrentDB servers speak the same protocol. */
export function toEsdbScheme(connectionString: string): string {
  return connectionString.replace(/^(kurrentdb|kurrent)(\+discover)?:\/\//i, 'esdb$2://');
}

/** Positions are what checkpoints are made of: a server that does not give them cannot be used. */
export class PositionUnavailableError extends Error {
  constructor(streamId: string) {
    super(`EventStoreDB gave no position for an event of ${streamId}: checkpoints need a server from 22.6 on`);
    this.name = 'PositionUnavailableError';
  }
}

export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new OpenSubscriptions();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly ownsClient: boolean,
    private readonly options: EventStoreDbEventStoreOptions,
  ) {}

  async append(streamId: string, events: readonly EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    checkAppend(streamId, events, expected);
    try {
      const result = await this.client.appendToStream(streamId, events.map(toEsdbEvent), {
        expectedRevision: toExpectedRevision(expected),
      });
      // The commit position of the append's last event; servers too old to
      // report it get it read back, so a checkpoint is always a real position.
      const position = result.position?.commit ?? (await this.lastPosition(streamId));
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
      throw new WrongExpectedRevisionError(streamId, expected, actual);
    }
  }

  async read(streamId: string, options: ReadOptions = {}): Promise<RecordedEvent[]> {
    parseStreamId(streamId);
    const events: RecordedEvent[] = [];
    if (options.maxCount !== undefined && options.maxCount < 1) return events;
    try {
      const reading = this.client.readStream(streamId, {
        fromRevision: BigInt(options.fromRevision ?? 0),
        ...(options.maxCount !== undefined ? { maxCount: BigInt(options.maxCount) } : {}),
      });
      for await (const resolved of reading) {
        if (!resolved.event) continue;
        // Stream reads carry the position only on servers from 22.6 on.
        const position = resolved.event.position?.commit ?? resolved.commitPosition;
        if (position === undefined) throw new PositionUnavailableError(streamId);
        events.push(fromEsdbEvent(resolved.event, position));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async subscribe(category: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkCategory(category);
    const delivery = new Delivery(handler, this.options);
    return this.subscriptions.add(() => startSubscription(this.client, category, options.after, delivery));
  }

  private async lastPosition(streamId: string): Promise<bigint> {
    for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const position = resolved.event?.position?.commit ?? resolved.commitPosition;
      if (position !== undefined) return position;
    }
    throw new PositionUnavailableError(streamId);
  }

  /**
   * Read from the `$ce-<category>` stream of EventStoreDB's standard
   * by-category projection (its separator `-` matches our stream ids): the
   * 6.x client cannot filter a backwards read of $all. Needs the standard
   * projections running (EVENTSTORE_RUN_PROJECTIONS=System,
   * EVENTSTORE_START_STANDARD_PROJECTIONS=true, as infra/ sets them).
   */
  async head(category: string): Promise<CategoryHead | undefined> {
    checkCategory(category);
    try {
      const newest = this.client.readStream(`$ce-${category}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1, resolveLinkTos: true });
      for await (const resolved of newest) {
        const event = resolved.event;
        const position = event?.position?.commit ?? resolved.commitPosition;
        if (event && position !== undefined) return { position, recordedAt: event.created };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.subscriptions.closeAll();
      if (this.ownsClient) await this.client.dispose();
    })();
    return this.closing;
  }
}

function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}
