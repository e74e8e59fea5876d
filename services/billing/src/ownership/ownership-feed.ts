// Billing's own projection of address ownership over time: it reads the
// integration events (address_held / address_hold_ended, private and public)
// from INTEGRATION_STREAM with an ordered consumer from the first message, so
// classifying a flow never asks ipam or resources anything. Rebuilt on each
// boot (the facts are few next to flows: one per address change).
//
// `currentAt(ms)` waits until the timeline is known to be complete for that
// instant: the feed has read everything the stream held at some moment at
// least PROJECTION_MAX_LAG_MS after it (the bound the publisher's own lag is
// held to), so a flow of a VM created a moment ago is not rejected because
// its AddressHeld was still on its way. Waiters are released by the probe
// that moves that moment (one timer for all of them, not a poll each).
//
// A message that is not a fact (read-fact.ts) is parked in the service's
// garbage bin and skipped: it is re-read at every boot (the feed starts from
// the stream's first message), so it is parked again each time, once.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, type JsMsg, type OrderedConsumerOptions } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { OwnershipTimeline } from '@pn/billing-domain';
import { CONSUMER_API_TIMEOUT_MS, LIVELY_PULL, runConsumerLoop, type ConsumerLoop } from '@pn/event-store';
import { BUS_CONNECTION, ensureIntegrationStream, GarbageBin, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { readFact } from './read-fact.js';

@Injectable()
export class OwnershipFeed implements OnModuleInit, OnApplicationShutdown {
  readonly timeline = new OwnershipTimeline();
  private loop: ConsumerLoop | undefined;
  private probe: NodeJS.Timeout | undefined;
  /** The timeline holds every fact published before this instant (epoch ms). */
  private completeAsOf = 0;
  private lastSeq = 0;
  private stopping = false;
  /** Who waits for the timeline to be complete up to `needed`, until `until` (epoch ms). */
  private waiters: Array<{ needed: number; until: number; resolve: (current: boolean) => void }> = [];
  private readonly logger = new Logger(OwnershipFeed.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
  ) {}

  async onModuleInit(): Promise<void> {
    const jsm = await ensureIntegrationStream(this.nc, this.config);
    this.loop = this.follow();
    const check = async () => {
      const asked = Date.now();
      const info = await jsm.streams.info(this.config.integrationStream).catch(() => undefined);
      // Everything in the stream when we asked has been applied (other subjects than ours only make this wait).
      if (info && this.lastSeq >= info.state.last_seq) this.completeAsOf = asked;
      this.release();
    };
    await check();
    while (this.completeAsOf === 0) {
      await new Promise((r) => setTimeout(r, 50));
      await check();
    }
    this.probe = setInterval(() => void check(), 100);
    this.probe.unref();
  }

  /**
   * Reads the facts from the one after the last applied, for as long as the
   * service runs: a consumer that fails or goes silent (its node died) is
   * created again from there (consumer-loop.ts in @pn/event-store).
   */
  private follow(): ConsumerLoop {
    return runConsumerLoop({
      what: 'ownership feed consumer',
      stopped: () => this.stopping || this.nc.isClosed(),
      open: async () => {
        const opts: Partial<OrderedConsumerOptions> = { filter_subjects: `${this.config.integrationSubjectPrefix}.v1.>`, opt_start_seq: this.lastSeq + 1 };
        const consumer = await jetstream(this.nc, { timeout: CONSUMER_API_TIMEOUT_MS }).consumers.get(this.config.integrationStream, opts);
        return consumer.consume({ ...LIVELY_PULL });
      },
      handle: (m) => {
        this.apply(m);
        this.lastSeq = m.seq;
      },
      pause: () => new Promise((r) => setTimeout(r, 500)),
      log: (message) => this.logger.warn(`${message} (after sequence ${this.lastSeq})`),
    });
  }

  /** Resolves once the timeline is complete for the instant `atMs` (with the publisher's lag bound added). */
  currentAt(atMs: number, timeoutMs: number): Promise<boolean> {
    const needed = atMs + this.config.projectionMaxLagMs;
    if (this.completeAsOf >= needed) return Promise.resolve(true);
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push({ needed, until: Date.now() + timeoutMs, resolve }));
  }

  /** Answers every waiter whose instant is now covered (true) or whose time is up (false). */
  private release(): void {
    if (this.waiters.length === 0) return;
    const now = Date.now();
    const waiting: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.completeAsOf >= w.needed) w.resolve(true);
      else if (now >= w.until || this.stopping) w.resolve(false);
      else waiting.push(w);
    }
    this.waiters = waiting;
  }

  private apply(m: JsMsg): void {
    let read = readFact(m.subject, m.data, this.config.integrationSubjectPrefix);
    try {
      const fact = read.ok ? read.value : undefined;
      if (fact && 'held' in fact) this.timeline.held(fact.held);
      else if (fact) this.timeline.ended(fact.ended);
    } catch (error) {
      // A fact the timeline cannot take: parked like garbage, since stopping the feed would stop all metering.
      read = { ok: false, reason: 'wrong_shape', detail: `refused by the timeline: ${String(error)}` };
    }
    if (!read.ok) {
      this.garbage.park({ consumer: 'integration', subject: m.subject, stream: m.info.stream, seq: m.seq, reason: read.reason, detail: read.detail, bytes: m.data.byteLength });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.probe) clearInterval(this.probe);
    this.release();
    this.loop?.stop();
  }
}
