// Every read model of a service instance, run by the one ProjectionRunner:
// started with its checkpoint, stopped (with a last checkpoint) on shutdown
// (by the event store module, before the store closes),
// and reported by the health check, which makes readiness say whether each
// is caught up and how far behind it is.
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore, SnapshotStore } from '@pn/event-store';
import { ProjectionRunner, type Projection, type ProjectionStatus } from '@pn/projection';
import type { PlatformConfig } from './config.js';
import { PLATFORM_CONFIG } from './platform-config.module.js';
import { EVENT_STORE, SNAPSHOT_STORE } from './tokens.js';

@Injectable()
export class Projections implements OnApplicationBootstrap {
  private readonly runners: Array<ProjectionRunner<unknown>> = [];
  /** Read models kept by other means than a runner (billing's ownership feed): reported and gating readiness alike. */
  private readonly tracked: Array<() => ProjectionStatus> = [];
  private readonly logger = new Logger('Projections');
  private stopping: Promise<void> | undefined;
  /** Every module has initialised (so every read model has been registered and has caught up). */
  private bootstrapped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SNAPSHOT_STORE) private readonly snapshots: SnapshotStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Starts a projection; resolves once it has caught up with what existed. */
  async run<S>(projection: Projection<S>): Promise<ProjectionRunner<S>> {
    const started = Date.now();
    const runner = new ProjectionRunner(this.store, projection, {
      ...(this.config.projectionCheckpoints ? { checkpoints: this.snapshots } : {}),
      logger: {
        log: (m) => this.logger.log(m),
        warn: (m) => this.logger.warn(m),
        error: (m) => this.logger.error(m),
      },
    });
    this.runners.push(runner as ProjectionRunner<unknown>);
    await runner.start();
    this.logger.log(`${projection.name} caught up at position ${runner.status().position} in ${Date.now() - started} ms`);
    return runner;
  }

  /** Reports a read model that is not run here (its status asked at each health check and scrape). */
  track(status: () => ProjectionStatus): void {
    this.tracked.push(status);
  }

  statuses(): ProjectionStatus[] {
    const now = Date.now();
    return [...this.runners.map((r) => r.status(now)), ...this.tracked.map((status) => status())];
  }

  onApplicationBootstrap(): void {
    this.bootstrapped = true;
  }

  /**
   * Caught up and no further behind than PROJECTION_MAX_LAG_MS, every one of
   * them; and not before the service has finished starting (a hybrid app can
   * answer on the bus while its read models are still being registered).
   */
  ready(): boolean {
    return (
      this.bootstrapped &&
      this.statuses().every((s) => !s.gatesReadiness || (s.caughtUp && s.lagMs <= this.config.projectionMaxLagMs))
    );
  }

  /** Stops every runner (each saves a last checkpoint); the event store module calls it before closing the store. */
  stopAll(): Promise<void> {
    this.stopping ??= Promise.all(
      this.runners.map((r) => r.stop().catch((e) => this.logger.warn(`stopping ${r.projection.name}: ${String(e)}`))),
    ).then(() => {});
    return this.stopping;
  }
}
