// Closes months as the meter passes them (months-closed.ts in
// @pn/billing-domain). Every CLOSE_EVERY_MS each instance asks the flows
// stream for its oldest record (a work queue keeps exactly the records not
// acknowledged yet), derives "metered up to" from it, and when that passes a
// month's close records MonthsClosed through the command handler, at the
// stream's expected revision: two instances closing the same month record it
// once. Which months are final is then read from the usage book (which folds
// those events), never from this process's memory, so a restart or another
// instance answers the same. Below the newest final month, the ownership
// history is forgotten here and the partitions' dedup keys with their next
// batch (the meter passes the book's finalThrough with it).
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { closeMonthsDecider, finalThrough, historyHorizonMs, meteredUpTo, type ClosedMonths, type CloseMonths, type MonthsClosed } from '@pn/billing-domain';
import { CommandHandler } from '@pn/command-handler';
import { type EventStore } from '@pn/event-store';
import { BUS_CONNECTION, EVENT_STORE, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { OwnershipFeed } from '../ownership/ownership-feed.js';
import { UsageReadModel } from '../usage/usage-projection.js';
import { MONTHS_CLOSED_STREAM, monthsClosedCodec } from './flow-events.js';
import { billingClock, meterOptions } from './meter-options.js';

const CLOSE_EVERY_MS = 500;

@Injectable()
export class MonthCloser implements OnModuleInit, OnApplicationShutdown {
  /** The last "metered up to" this instance derived (epoch ms, billing's clock; 0 before the first). */
  meteredUpToMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private jsm: JetStreamManager | undefined;
  private readonly options = meterOptions();
  private readonly now = billingClock(this.options);
  private readonly closer: CommandHandler<CloseMonths, MonthsClosed, ClosedMonths>;
  private readonly logger = new Logger(MonthCloser.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) store: EventStore,
    private readonly usage: UsageReadModel,
    private readonly ownership: OwnershipFeed,
  ) {
    this.closer = new CommandHandler(store, closeMonthsDecider, monthsClosedCodec);
  }

  private get graceMs(): number {
    return this.config.billingGraceHours * 3_600_000;
  }

  /** The newest final month, as the usage book has recorded it ('' when none). */
  get finalThrough(): string {
    return this.usage.book.finalThrough;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), CLOSE_EVERY_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.jsm ??= await jetstreamManager(this.nc);
      const asked = this.now();
      // The stream is made by the meter at its start: until then (or while the bus is away), nothing is known metered.
      const { state } = await this.jsm.streams.info(this.config.flowsStream);
      const oldest = state.messages > 0 ? Date.parse(state.first_ts) + this.options.clockOffsetMs : undefined;
      const upTo = meteredUpTo(oldest, asked);
      this.meteredUpToMs = upTo;
      if (finalThrough(this.graceMs, upTo, upTo) > this.finalThrough) {
        await this.closer.handle(MONTHS_CLOSED_STREAM, { type: 'CloseMonths', meteredUpToMs: upTo, graceMs: this.graceMs });
      }
      // Ownership older than the newest final month is only needed for flows that would be parked anyway (ownership-retention.ts).
      this.ownership.timeline.forgetBefore(historyHorizonMs(this.finalThrough));
    } catch (error) {
      this.logger.debug(`months not closed this time: ${String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
