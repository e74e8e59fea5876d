// This instance's DNS view, run by the projection runner (resumed from its
// checkpoint on boot, then live), and fed at once by this instance's own
// writes. Lag matters here: a view far behind could point a name at an
// address's next holder, so lookups from a lagging view fail (SERVFAIL).
// Followers (the answering workers, see dns-listener/dns-workers.ts) are told
// of every change, and a revision counts as applied once they have it too.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { answerInView, zoneEventCodec, type ViewAnswer, type ZoneEvent } from '@pn/dns-domain';
import type { RecordedEvent } from '@pn/event-store';
import type { ProjectionRunner } from '@pn/projection';
import { PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { ViewLaggingError } from './view-lagging.js';
import { applyToView, zoneViewProjection, type ZoneView } from './zone-view.projection.js';

export { ViewLaggingError };

/** How long a reply waits for the subscription to bring this instance's own write (it takes milliseconds). */
const OWN_WRITE_WAIT_MS = 2000;

/** A copy of the view kept elsewhere (an answering worker), told of every change in order. */
export interface ViewFollower {
  applied(streamId: string, events: readonly ZoneEvent[], revision: number): void;
  /** Resolves true once every change told so far is in the copy, false after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<boolean>;
}

@Injectable()
export class ZoneProjection implements OnModuleInit {
  private runner: ProjectionRunner<ZoneView> | undefined;
  private waiters: Array<{ streamId: string; revision: number; resolve: () => void }> = [];
  private readonly followers: ViewFollower[] = [];

  constructor(
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // What evolve decoded, passed on to the followers as is: decoded once, and an event
    // evolve could not decode (parked by the runner) is passed on to nobody, as the view skipped it.
    let decoded: { recorded: RecordedEvent; events: ZoneEvent[] } | undefined;
    this.runner = await this.projections.run({
      ...zoneViewProjection,
      evolve: (view, recorded) => {
        decoded = undefined;
        const event = zoneEventCodec.decode(recorded);
        const events = event ? [event] : [];
        applyToView(view, recorded.streamId, events, recorded.revision);
        decoded = { recorded, events };
        return view;
      },
    });
    this.runner.onApplied((recorded) => {
      // Also an event this instance's own write applied already: followers skip it by its revision, as the view did.
      if (decoded?.recorded === recorded) this.tellFollowers(recorded.streamId, decoded.events, recorded.revision);
      decoded = undefined;
      this.wake(recorded.streamId);
    });
  }

  /** Tells `follower` of every change from now on; `snapshot()` is what it starts from. */
  follow(follower: ViewFollower): void {
    this.followers.push(follower);
  }

  /** The whole view as plain data, for a follower that starts. */
  snapshot(): unknown {
    return zoneViewProjection.toJson(this.view);
  }

  /** Since when the view has been behind (lag counts from it), or null when it is not. */
  behindSince(now = Date.now()): number | null {
    const lagMs = this.runner?.lagMs(now) ?? Infinity;
    return lagMs > 0 ? now - lagMs : null;
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

  /** What the network's view answers; throws ViewLaggingError when the view is too far behind to be trusted. */
  lookup(networkId: string, qname: string, qtype: string): ViewAnswer {
    const lagMs = this.runner?.lagMs() ?? Infinity;
    if (lagMs > this.config.projectionMaxLagMs) throw new ViewLaggingError(lagMs);
    return answerInView(this.view.index, networkId, qname, qtype);
  }

  /** The revision of `streamId` this instance's view has applied (-1: none). */
  appliedRevision(streamId: string): number {
    return this.runner ? (this.view.applied.get(streamId) ?? -1) : -1;
  }

  /**
   * Resolves true once the view, and every follower, has applied `revision`
   * of `streamId`, false after `timeoutMs`.
   */
  async waitForRevision(streamId: string, revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    if (!(await this.waitForOwnRevision(streamId, revision, timeoutMs))) return false;
    // Every change the view applied was told to the followers at once, this one included.
    const left = Math.max(0, deadline - performance.now());
    const followers = await Promise.all(this.followers.map((f) => f.caughtUp(left)));
    return followers.every(Boolean);
  }

  private async waitForOwnRevision(streamId: string, revision: number, timeoutMs: number): Promise<boolean> {
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
      this.tellFollowers(streamId, events, revision);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, OWN_WRITE_WAIT_MS);
      this.waiters.push({ streamId, revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private tellFollowers(streamId: string, events: readonly ZoneEvent[], revision: number): void {
    for (const follower of this.followers) follower.applied(streamId, events, revision);
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
