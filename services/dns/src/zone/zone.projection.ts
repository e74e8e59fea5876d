// Keeps this instance's ZoneIndex up to date from the `zone` category, from
// the first event on boot (the index lives in memory), then live.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ZoneIndex, zoneEventCodec, type ZoneEvent } from '@pn/dns-domain';
import type { EventStore, Subscription } from '@pn/event-store';
import { EVENT_STORE } from '@pn/service-kit';

@Injectable()
export class ZoneProjection implements OnModuleInit, OnApplicationShutdown {
  readonly index = new ZoneIndex();
  private subscription: Subscription | undefined;
  private readonly logger = new Logger(ZoneProjection.name);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.store.subscribe('zone', (recorded) => {
      const event = zoneEventCodec.decode(recorded);
      if (event) this.index.apply(event);
    });
    await this.subscription.caughtUp;
    this.logger.log('zone index caught up');
  }

  /** Applies events this instance just wrote, so they answer before the subscription brings them. */
  applyOwn(events: readonly ZoneEvent[]): void {
    for (const event of events) this.index.apply(event);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
