// Picks the adapter from configuration (usually the EVENT_STORE variable), so
// services code against the port and deployments choose the backend.
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import type { EventStore } from './event-store.port.js';
import { createEventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb.event-store.js';
import { createJetStreamEventStore, type JetStreamEventStoreOptions } from './jetstream.event-store.js';

export interface EventStoreConfig {
  /**
   * `jetstream` (the default when absent or empty), or an EventStoreDB /
   * KurrentDB connection string: `esdb://…`, `esdb+discover://…`,
   * `kurrentdb://…`, `kurrentdb+discover://…`.
   */
  readonly eventStore?: string;
  /** For JetStream: the service's NATS connection (kept open on close), or server URL(s) or connection options (the store connects, and closes on close). */
  readonly nats?: NatsConnection | string | ConnectionOptions;
  readonly jetstream?: JetStreamEventStoreOptions;
  readonly eventStoreDb?: EventStoreDbEventStoreOptions;
}

const ESDB = /^(esdb|kurrentdb|kurrent)(\+discover)?:\/\//i;

export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  const choice = config.eventStore?.trim() || 'jetstream';
  if (choice === 'jetstream') {
    if (!config.nats) throw new Error('EVENT_STORE=jetstream needs a NATS connection or URL');
    return createJetStreamEventStore(config.nats, config.jetstream);
  }
  if (ESDB.test(choice)) return createEventStoreDbEventStore(choice, config.eventStoreDb);
  throw new Error(
    `EVENT_STORE must be "jetstream" or an esdb:// / kurrentdb:// connection string, got "${redact(choice)}"`,
  );
}

/** Connection strings can hold passwords; error messages should not. */
function redact(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}
