// This instance's DNS view, run by the projection runner (resumed from its
// checkpoint on boot, then live), and fed at once by this instance's own
// writes. Lag matters here: a view far behind could point a name at an
// address's next holder, so lookups from a lagging view fail (SERVFAIL), and
// so do lookups after this process stalled, until the view is confirmed
// current against the event store (stall-guard.ts).
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { answerInView, type ViewAnswer, type ZoneEvent } from '@pn/dns-domain';
import type { EventStore } from '@pn/event-store';
import type { ProjectionRunner } from '@pn/projection';
import { EVENT_STORE, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { StallGuard, TICK_MS } from './stall-guard.js';
import { applyToView, zoneViewProjection, type ZoneView } from './zone-view.projection.js';

/** How long a reply waits for the subscription to bring this instance's own write (it takes milliseconds). */
const OWN_WRITE_WAIT_MS = 2000;
/** Between attempts to confirm the view after a stall when the store does not answer. */
const CONFIRM_RETRY_MS = 100;

/** What a lookup throws when the view cannot be trusted; the DNS server answers it with SERVFAIL. */
export class ViewLaggingError extends Error {
  constructor(readonly lagMs: number) {
    super(`DNS view is ${lagMs} ms behind the zone events (or this process stalled): SERVFAIL rather than a stale address`);
    this.name = 'ViewLaggingError';
  }
}

@Injectable()
export class ZoneProjection implements OnModuleInit, OnModuleDestroy {
  private runner: ProjectionRunner<ZoneView> | undefined;
  private waiters: Array<{ streamId: string; revision: number; resolve: () => void }> = [];
  private readonly logger = new Logger(ZoneProjection.name);
  private readonly stall: StallGuard;
  private ticker: NodeJS.Timeout | undefined;
  private confirming = false;
  private destroyed = false;

  constructor(
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.stall = new StallGuard(Date.now(), config.projectionMaxLagMs);
  }

  async onModuleInit(): Promise<void> {
    this.runner = await this.projections.run(zoneViewProjection);
    this.runner.onApplied((recorded) => this.wake(recorded.streamId));
    this.ticker = setInterval(() => {
      if (this.stall.tick(Date.now())) void this.confirmAfterStall();
    }, TICK_MS);
    this.ticker.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.ticker);
    this.destroyed = true;
  }

  /** Stops (and resumes) following zone events: the view then lags, and answers SERVFAIL past the bound. */
  pause(): Promise<void> {
    return this.runner!.pause();
  }

  resume(): Promise<void> {
    return this.runner!.resume();
  }

  private get view(): ZoneView {
    if (!this.runner) throw new Error('zone view used before it was loaded');
    return this.runner.state;
  }

  /** What the network's view answers; throws ViewLaggingError when the view is too far behind, or stalled, to be trusted. */
  lookup(networkId: string, qname: string, qtype: string): ViewAnswer {
    const now = Date.now();
    const stalledMs = this.stall.untrustedMs(now);
    const lagMs = Math.max(this.runner?.lagMs(now) ?? Infinity, stalledMs);
    if (stalledMs > 0 || lagMs > this.config.projectionMaxLagMs) throw new ViewLaggingError(lagMs);
    return answerInView(this.view.index, networkId, qname, qtype);
  }

  /**
   * After a stall: the view answers again once it has applied everything the
   * store held after the stall (what the stall hid sits unread in sockets, so
   * the subscription alone cannot tell).
   */
  private async confirmAfterStall(): Promise<void> {
    if (this.confirming) return;
    this.confirming = true;
    this.logger.warn('this process stalled: DNS answers SERVFAIL until its view is confirmed current');
    try {
      while (!this.destroyed) {
        try {
          const head = await this.store.head(zoneViewProjection.category);
          if (await this.waitForPosition(head?.position ?? 0n)) return this.stall.confirmed();
        } catch {
          // The store does not answer: nothing confirmed, try again.
        }
        await new Promise((resolve) => setTimeout(resolve, CONFIRM_RETRY_MS));
      }
    } finally {
      this.confirming = false;
    }
  }

  /** True once the view has applied the category up to `position`, false after the lag bound. */
  private async waitForPosition(position: bigint): Promise<boolean> {
    const deadline = Date.now() + this.config.projectionMaxLagMs;
    while (BigInt(this.runner!.status().position) < position) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  /** The revision of `streamId` this instance's view has applied (-1: none). */
  appliedRevision(streamId: string): number {
    return this.runner ? (this.view.applied.get(streamId) ?? -1) : -1;
  }

  /** Resolves true once the view has applied `revision` of `streamId`, false after `timeoutMs`. */
  async waitForRevision(streamId: string, revision: number, timeoutMs: number): Promise<boolean> {
    if (this.appliedRevision(streamId) >= revision) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { streamId, revision, resolve: () => (clearTimeout(timer), resolve(true)) };
      this.waiters.push(waiter);
    });
  }

  /**
   * Makes events this instance just wrote (the last at `revision` of
   * `streamId`) answer before returning. Applied at once when nothing is
   * missing before them; otherwise (another instance wrote in between) once
   * the subscription, which delivers in order, has brought them.
   */
  async applyOwn(streamId: string, events: readonly ZoneEvent[], revision: number): Promise<void> {
    const applied = this.view.applied.get(streamId) ?? -1;
    if (events.length === 0 || applied >= revision) return;
    if (applied === revision - events.length) {
      applyToView(this.view, streamId, events, revision);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, OWN_WRITE_WAIT_MS);
      this.waiters.push({ streamId, revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private wake(streamId: string): void {
    if (this.waiters.length === 0) return;
    const applied = this.view.applied.get(streamId) ?? -1;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.streamId === streamId && waiter.revision <= applied) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
