// Provides a service instance's one bus connection (BUS_CONNECTION), the
// event store chosen by EVENT_STORE, the snapshot store (checkpoints of read
// models, snapshots of long aggregate streams) in a JetStream object store on
// the bus, and the Projections registry; closes them in order on shutdown,
// the connection last (every other module's shutdown hooks run before this
// global module's).
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { BUS_CONNECTION, connectBus } from './bus-connection.js';
import { createEventStore, createJetStreamSnapshotStore, GarbageBin, type EventStore, type SnapshotStore } from '@pn/event-store';
import { serviceSnapshotBucket } from '@pn/bus-access';
import { appendBudgetMs } from './deadline.js';
import { newGarbageBin } from './garbage.js';
import { withRequestMetadata } from './request-metadata.js';
import { withAppendMetrics } from './metrics/event-store-metrics.js';
import { Metrics } from './metrics/metrics.js';
import type { PlatformConfig } from './config.js';
import { Projections } from './projections.js';
import { EVENT_STORE, SNAPSHOT_STORE } from './tokens.js';

export { DATA_PLANE_HEALTH, EVENT_STORE, SNAPSHOT_STORE, type DataPlaneHealthSource } from './tokens.js';

class EventStoreShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SNAPSHOT_STORE) private readonly snapshots: SnapshotStore,
    private readonly projections: Projections,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    // Projections first: they save a last checkpoint and close their subscriptions;
    // then the snapshot saves still under way finish, and only then does the connection drain.
    await this.projections.stopAll();
    await this.snapshots.close();
    await this.store.close();
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/** The snapshot buckets' name of an event stream (each service's own: serviceSnapshotBucket); another backend gets other keys, so switching never mixes them. */
export const snapshotBucket = (config: PlatformConfig) =>
  `${config.eventStore === 'jetstream' ? '' : 'ESDB_'}${config.eventStream}_SNAPSHOTS`.replace(/[^A-Za-z0-9_-]/g, '_');

@Global()
@Module({})
export class EventStoreModule {
  /** `name`: the service, as its connection is named on the server. */
  static forRoot(config: PlatformConfig, name = 'service'): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: BUS_CONNECTION, useFactory: () => connectBus(config, name) },
        {
          provide: EVENT_STORE,
          useFactory: async (nc: NatsConnection, garbage: GarbageBin, metrics?: Metrics) =>
            withAppendMetrics(
              withRequestMetadata(
                await createEventStore({
                  eventStore: config.eventStore,
                  nats: nc,
                  // An append waits for its ack no longer than the request it is made for (deadline.ts).
                  jetstream: { stream: config.eventStream, subjectPrefix: config.eventSubjectPrefix, replicas: config.eventStreamReplicas, garbage, appendBudgetMs },
                }),
              ),
              metrics,
            ),
          inject: [BUS_CONNECTION, GarbageBin, { token: Metrics, optional: true }],
        },
        // One per service instance: the store's subscriptions and every other consumer of the bus park here.
        { provide: GarbageBin, useFactory: newGarbageBin },
        {
          provide: SNAPSHOT_STORE,
          useFactory: (nc: NatsConnection) =>
            createJetStreamSnapshotStore(nc, { bucket: serviceSnapshotBucket(snapshotBucket(config), name), replicas: config.eventStreamReplicas }),
          inject: [BUS_CONNECTION],
        },
        Projections,
        EventStoreShutdown,
      ],
      exports: [BUS_CONNECTION, EVENT_STORE, SNAPSHOT_STORE, Projections, GarbageBin],
    };
  }
}
