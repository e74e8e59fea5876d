// The one projection runner behind every read model. It resumes from the
// projection's checkpoint (state + position) so a restart costs what happened
// since, skips what it has applied (idempotent by position), parks an event
// the projection cannot apply after a few attempts (recorded in the event
// store as `parked_<service>-<projection>`, counted, logged) and goes on, and tracks its
// lag so readiness and the DNS server can act on it.
import { setTimeout as sleep } from 'node:timers/promises';
import { parkedCategory } from '@pn/bus-access';
import { UnreadableCommitError, untilJetStreamAvailable, type EventStore, type RecordedEvent, type SnapshotStore, type Subscription } from '@pn/event-store';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { LagTracker } from './lag.js';
import { RetryLater, type Projection, type ProjectionStatus } from './projection.js';
import { afterFailure, checkpointDue, isNew } from './rules.js';

export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectionRunnerOptions {
  /** Where checkpoints live; undefined: none (rebuild from the start on every boot). */
  readonly checkpoints?: SnapshotStore;
  /** Attempts before an event is parked; default 3. */
  readonly maxAttempts?: number;
  /** First retry delay, doubling; default 50 ms. */
  readonly retryDelayMs?: number;
  /** Least time between checkpoints; default 1 s. */
  readonly checkpointIntervalMs?: number;
  /** How often the category's head is asked for, to measure lag; default 250 ms. */
  readonly lagProbeMs?: number;
  readonly logger?: RunnerLogger;
}

export class ProjectionRunner<S> {
  state: S;
  private position: bigint | undefined;
  private parked = 0;
  private caughtUp = false;
  private subscription: Subscription | undefined;
  private readonly lag: LagTracker;
  private probeTimer: NodeJS.Timeout | undefined;
  private listeners = new Set<(event: RecordedEvent) => void>();
  private eventsSinceCheckpoint = 0;
  private lastCheckpointAt = Date.now();
  private lastEncodeMs = 0;
  private saving: Promise<void> | undefined;
  private stopped = false;
  private readonly logger: RunnerLogger;

  constructor(
    private readonly store: EventStore,
    readonly projection: Projection<S>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.state = projection.initialState();
    this.lag = new LagTracker(Date.now(), this.probeMs);
    this.logger = options.logger ?? { log: console.log, warn: console.warn, error: console.error };
  }

  private get probeMs(): number {
    return this.options.lagProbeMs ?? 250;
  }

  private get checkpointKey(): string {
    return `projection/${this.projection.name}`;
  }

  /** Loads the checkpoint, follows the category, and resolves once caught up with what existed at start. */
  async start(): Promise<void> {
    await this.restore();
    this.subscription = await this.subscribe();
    this.probeTimer = setInterval(() => void this.probe(), this.probeMs);
    this.probeTimer.unref();
    await this.subscription.caughtUp;
    this.caughtUp = true;
  }

  /**
   * Stops applying events, keeping the state and position (lag then grows,
   * and whoever acts on lag sees it); resume() goes on from there.
   */
  async pause(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  async resume(): Promise<void> {
    if (this.subscription || this.stopped) return;
    this.subscription = await this.subscribe();
  }

  private subscribe(): Promise<Subscription> {
    return this.store.subscribe(this.projection.category, (event) => this.handle(event), {
      ...(this.position === undefined ? {} : { after: this.position }),
    });
  }

  /** Saves a last checkpoint and stops following. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    await this.subscription?.close();
    await this.saving;
    if (this.eventsSinceCheckpoint > 0) await this.saveCheckpoint();
  }

  status(now = Date.now()): ProjectionStatus {
    return {
      name: this.projection.name,
      category: this.projection.category,
      caughtUp: this.caughtUp,
      position: (this.position ?? 0n).toString(),
      lagMs: this.lag.lagMs(now),
      parked: this.parked,
      gatesReadiness: this.projection.gatesReadiness ?? true,
    };
  }

  lagMs(now = Date.now()): number {
    return this.lag.lagMs(now);
  }

  /** Called after each event is applied (or parked), in order. Returns an unsubscribe function. */
  onApplied(listener: (event: RecordedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async restore(): Promise<void> {
    const store = this.options.checkpoints;
    if (!store) return;
    let bytes: Uint8Array | undefined;
    try {
      // While a cluster elects a leader the read waits: rebuilding from the start would cost far more than the wait.
      bytes = await untilJetStreamAvailable(`checkpoint of ${this.projection.name}`, () => store.load(this.checkpointKey));
    } catch (error) {
      this.logger.warn(`${this.projection.name}: checkpoint could not be read, rebuilding from the start: ${String(error)}`);
      return;
    }
    if (!bytes) return;
    let checkpoint: Awaited<ReturnType<typeof readCheckpoint<S>>>;
    try {
      checkpoint = await readCheckpoint(this.projection.name, this.projection.checkpoint, this.projection.initialState(), bytes);
    } catch (error) {
      checkpoint = { unusable: `state unreadable (${String(error)})` };
    }
    if ('unusable' in checkpoint) {
      this.logger.warn(`${this.projection.name}: checkpoint ignored (${checkpoint.unusable}), rebuilding from the start`);
      return;
    }
    this.state = checkpoint.state;
    this.position = checkpoint.position;
    this.parked = checkpoint.parked;
    this.lag.observeApplied(checkpoint.position);
  }

  private async handle(event: RecordedEvent): Promise<void> {
    if (!isNew(event.position, this.position)) return;
    for (let attempt = 1; ; attempt++) {
      try {
        this.state = await this.projection.evolve(this.state, event);
        break;
      } catch (error) {
        const verdict = afterFailure(attempt, error instanceof RetryLater, this.options.maxAttempts ?? 3, this.options.retryDelayMs ?? 50);
        if (verdict.action === 'park') {
          // If parking itself fails (store down), this throws and the
          // subscription hands us the same event again later.
          await this.park(event, error, attempt);
          break;
        }
        if (this.stopped) throw error;
        await sleep(verdict.delayMs);
      }
    }
    this.position = event.position;
    this.eventsSinceCheckpoint++;
    this.lag.observeApplied(event.position);
    for (const listener of this.listeners) listener(event);
    this.maybeCheckpoint();
  }

  private async park(event: RecordedEvent, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const record = {
      projection: this.projection.name,
      stream_id: event.streamId,
      revision: event.revision,
      position: event.position.toString(),
      event_id: event.id,
      event_type: event.type,
      error: reason.slice(0, 2000),
      attempts,
      parked_at: new Date().toISOString(),
    };
    try {
      await this.store.append(
        parkedStreamId(this.projection.name),
        [{ type: 'EventParked', id: `parked:${this.projection.name}:${event.position}`, data: Buffer.from(JSON.stringify(record)) }],
        'any',
      );
    } catch (error) {
      // Garbage on the parked stream's subject (itself parked by the store) would make every append to it fail,
      // for good: the event is then parked in the count and the log only, rather than retried for ever.
      if (!(error instanceof UnreadableCommitError)) throw error;
      this.logger.error(`${this.projection.name}: ${parkedStreamId(this.projection.name)} cannot be written (${error.message}); the event below is parked in the log only`);
    }
    this.parked++;
    this.logger.error(
      `${this.projection.name}: parked ${event.type} ${event.streamId}@${event.revision} (position ${event.position}) after ${attempts} attempts: ${reason}`,
    );
  }

  private maybeCheckpoint(): void {
    if (!this.options.checkpoints || this.saving || this.stopped) return;
    const due = checkpointDue({
      eventsSince: this.eventsSinceCheckpoint,
      msSinceLast: Date.now() - this.lastCheckpointAt,
      lastEncodeMs: this.lastEncodeMs,
      minIntervalMs: this.options.checkpointIntervalMs ?? 1000,
    });
    if (due) this.saving = this.saveCheckpoint().finally(() => (this.saving = undefined));
  }

  /**
   * Writes the state as it is now (it matches the position now) a slice at a
   * time, events going on meanwhile (see checkpoint.ts), then uploads it.
   */
  private async saveCheckpoint(): Promise<void> {
    const store = this.options.checkpoints;
    if (!store || this.position === undefined) return;
    const header = { position: this.position, parked: this.parked };
    this.eventsSinceCheckpoint = 0;
    this.lastCheckpointAt = Date.now();
    try {
      const written = await writeCheckpoint(this.projection.name, this.projection.checkpoint, this.state, header);
      this.lastEncodeMs = written.busyMs;
      await store.save(this.checkpointKey, written.chunks);
    } catch (error) {
      this.eventsSinceCheckpoint++; // try again next time
      this.logger.warn(`${this.projection.name}: checkpoint not saved: ${String(error)}`);
    }
  }

  private async probe(): Promise<void> {
    const at = Date.now();
    // The subscription knows, for free, whether events wait behind the ones it handled.
    const subscription = this.subscription;
    if (subscription?.behindSince) {
      this.lag.observeBehindSince(subscription.behindSince(), at);
      return;
    }
    // Paused, or an adapter that cannot tell: ask the store for the category's head.
    try {
      const head = await this.store.head(this.projection.category);
      this.lag.observeHead(head?.position, at);
    } catch {
      // Counted as lag by the tracker: freshness it cannot confirm.
    }
  }
}

/**
 * The event store stream where a projection's parked events are recorded:
 * in its service's own parked category (a projection is named after its
 * service, `resources.directory.v1` → `parked_resources-directory_v1`), the
 * only one that service may append to.
 */
export function parkedStreamId(projection: string): string {
  const [service = '', ...rest] = projection.split('.');
  return `${parkedCategory(service)}-${(rest.length ? rest.join('.') : service).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
