// Keeps this instance's ZoneIndex up to date from the `zone` category, from
// the first event on boot (the index lives in memory), then live.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ZoneIndex, zoneEventCodec, type ZoneEvent } from '@pn/dns-domain';
import type { EventStore, Subscription } from '@pn/event-store';
import { EVENT_STORE } from '@pn/service-kit';

/** How long a reply waits for the subscription to bring this instance's own write (it takes milliseconds). */
const OWN_WRITE_WAIT_MS = 2000;

@Injectable()
export class ZoneProjection implements OnModuleInit, OnApplicationShutdown {
  readonly index = new ZoneIndex();
  /** Revision applied last, per zone stream: an event seen twice is skipped. */
  private readonly applied = new Map<string, number>();
  private waiters: Array<{ streamId: string; revision: number; resolve: () => void }> = [];
  private subscription: Subscription | undefined;
  private readonly logger = new Logger(ZoneProjection.name);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.store.subscribe('zone', (recorded) => {
      if (recorded.revision <= (this.applied.get(recorded.streamId) ?? -1)) return; // mostly our own writes
      const event = zoneEventCodec.decode(recorded);
      if (event) this.index.apply(event);
      this.markApplied(recorded.streamId, recorded.revision);
    });
    await this.subscription.caughtUp;
    this.logger.log('zone index caught up');
  }

  /**
   * Makes events this instance just wrote (the last at `revision` of
   * `streamId`) answer before returning. Applied at once when nothing is
   * missing before them; otherwise (another instance wrote in between) once
   * the subscription, which delivers in order, has brought them.
   */
  async applyOwn(streamId: string, events: readonly ZoneEvent[], revision: number): Promise<void> {
    const applied = this.applied.get(streamId) ?? -1;
    if (events.length === 0 || applied >= revision) return;
    if (applied === revision - events.length) {
      for (const event of events) this.index.apply(event);
      this.markApplied(streamId, revision);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, OWN_WRITE_WAIT_MS);
      this.waiters.push({ streamId, revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private markApplied(streamId: string, revision: number): void {
    this.applied.set(streamId, revision);
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.streamId === streamId && waiter.revision <= revision) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
