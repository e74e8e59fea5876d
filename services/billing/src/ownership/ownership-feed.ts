// Billing's own projection of address ownership over time: it reads the
// integration events (address_held / address_hold_ended, private and public)
// from INTEGRATION_STREAM with an ordered consumer from the first message, so
// classifying a flow never asks ipam or resources anything. Rebuilt on each
// boot (the facts are few next to flows: one per address change).
//
// `currentAt(ms)` waits until the timeline is known complete through the end
// of that second, by the publisher's own word: resources says how far it has
// published (its watermark, `<prefix>-watermark`: a time and the stream
// sequence by which every fact of an earlier event is there), and the record
// is complete through that time once the feed has read the facts up to that
// sequence (ownership-watermark.ts; messages on the stream that are not facts
// do not count). No bound on the publisher's lag is assumed: while it is
// behind or away, flows wait, bounded by the meter (flow-meter.ts), and the
// feed's lag shows in readiness and in /metrics (`billing.ownership-feed`).
// Waiters are released by one timer for all of them, not a poll each.
//
// A message that is not a fact (read-fact.ts) is parked in the service's
// garbage bin and skipped: it is re-read at every boot (the feed starts from
// the stream's first message), so it is parked again each time, once.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, type JetStreamManager, type JsMsg, type OrderedConsumerOptions } from '@nats-io/jetstream';
import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { integrationWatermarkSubject } from '@pn/bus-access';
import { neededFor, OwnershipTimeline, readWatermark, settleWatermarks, type PublisherWatermark } from '@pn/billing-domain';
import { CONSUMER_API_TIMEOUT_MS, LIVELY_PULL, runConsumerLoop, type ConsumerLoop } from '@pn/event-store';
import type { ProjectionStatus } from '@pn/projection';
import { BUS_CONNECTION, ensureIntegrationStream, GarbageBin, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { readFact } from './read-fact.js';

const SETTLE_EVERY_MS = 100;
/** Flows that waited and stopped asking this long ago (handed to another instance, or parked) no longer count as waiting. */
const WAIT_FORGOTTEN_MS = 15_000;
/** Watermarks kept while the feed catches up: a later one covered makes the earlier ones moot. */
const MAX_WAITING_WATERMARKS = 64;

@Injectable()
export class OwnershipFeed implements OnModuleInit, OnApplicationShutdown {
  readonly timeline = new OwnershipTimeline();
  private loop: ConsumerLoop | undefined;
  private beat: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private jsm: JetStreamManager | undefined;
  /** The timeline holds every fact of an event recorded before this instant (epoch ms, the publisher's word). */
  private completeAsOf = 0;
  private lastSeq = 0;
  private watermarks: PublisherWatermark[] = [];
  private settling = false;
  private stopping = false;
  private readonly startedAt = Date.now();
  /** Since when flows have been waiting for the record (epoch ms), the newest instant they need, and when one last asked. */
  private waiting: { since: number; needed: number; lastAsked: number } | undefined;
  /** Who waits for the timeline to be complete up to `needed`, until `until` (epoch ms). */
  private waiters: Array<{ needed: number; until: number; resolve: (current: boolean) => void }> = [];
  private readonly logger = new Logger(OwnershipFeed.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
    projections: Projections,
  ) {
    projections.track(() => this.status());
  }

  async onModuleInit(): Promise<void> {
    this.jsm = await ensureIntegrationStream(this.nc, this.config);
    this.beat = this.nc.subscribe(integrationWatermarkSubject(this.config.integrationSubjectPrefix), {
      callback: (error, m) => {
        const w = error ? undefined : readWatermark(m.string());
        if (!w) return;
        this.watermarks.push(w);
        if (this.watermarks.length > MAX_WAITING_WATERMARKS) this.watermarks.shift();
      },
    });
    this.loop = this.follow();
    this.timer = setInterval(() => void this.settle(), SETTLE_EVERY_MS);
    this.timer.unref();
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

  /** Moves `completeAsOf` to the newest watermark the facts read so far cover, and answers the waiters. */
  private async settle(): Promise<void> {
    if (this.settling || !this.jsm) return;
    this.settling = true;
    try {
      const applied = this.lastSeq;
      let next = Number.POSITIVE_INFINITY;
      if (this.watermarks.some((w) => w.seq > applied)) {
        // The first fact after those applied: what lies before it is not facts.
        const found = await this.jsm.direct.getMessage(this.config.integrationStream, { seq: applied + 1, next_by_subj: `${this.config.integrationSubjectPrefix}.v1.>` });
        if (found) next = found.seq;
      }
      const settled = settleWatermarks(this.watermarks, this.completeAsOf, applied, next);
      this.completeAsOf = settled.completeMs;
      this.watermarks = settled.waiting;
    } catch {
      // The bus is away: nothing is known more complete than before (the lag grows, and readiness says so).
    } finally {
      this.settling = false;
      this.release();
    }
  }

  /** Resolves once the timeline is complete through the second starting at `atMs` (true), or `timeoutMs` has passed (false). */
  currentAt(atMs: number, timeoutMs: number): Promise<boolean> {
    const needed = neededFor(atMs);
    if (this.completeAsOf >= needed) return Promise.resolve(true);
    if (this.stopping) return Promise.resolve(false);
    const now = Date.now();
    this.waiting = { since: this.waiting?.since ?? now, needed: Math.max(this.waiting?.needed ?? 0, needed), lastAsked: now };
    return new Promise((resolve) => this.waiters.push({ needed, until: now + timeoutMs, resolve }));
  }

  /**
   * How far behind the publisher's word the record is (/healthz, /metrics).
   * It holds readiness back while flows have waited for it longer than
   * PROJECTION_MAX_LAG_MS: an idle billing whose publisher is away still
   * answers every read right.
   */
  status(): ProjectionStatus {
    const now = Date.now();
    if (this.waiting && (this.completeAsOf >= this.waiting.needed || now - this.waiting.lastAsked > WAIT_FORGOTTEN_MS)) this.waiting = undefined;
    return {
      name: 'billing.ownership-feed',
      category: 'integration',
      caughtUp: this.completeAsOf > 0,
      position: String(this.lastSeq),
      lagMs: Math.max(0, now - (this.completeAsOf || this.startedAt)),
      parked: 0,
      gatesReadiness: !!this.waiting && now - this.waiting.since > this.config.projectionMaxLagMs,
    };
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
    if (this.timer) clearInterval(this.timer);
    this.beat?.unsubscribe();
    this.release();
    this.loop?.stop();
  }
}
