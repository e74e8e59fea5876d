// Provides the event store chosen by EVENT_STORE to a service, and closes it
// on shutdown.
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, type EventStore } from '@pn/event-store';
import type { PlatformConfig } from './config.js';

export const EVENT_STORE = Symbol('EVENT_STORE');

class EventStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: EVENT_STORE, useFactory: () =>
            createEventStore({
              eventStore: config.eventStore,
              nats: config.natsUrl,
              jetstream: { stream: config.eventStream, subjectPrefix: config.eventSubjectPrefix },
            }), },
        EventStoreShutdown,
      ],
      exports: [EVENT_STORE],
    };
  }
}
