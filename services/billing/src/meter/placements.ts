// Where each network is placed (the `placed.<network>` keys of the dataplane
// bucket, written once by resources), as this billing instance has heard it:
// a host's flow records count only for networks placed on that host
// (checkPublisherHost in @pn/billing-domain). Followed from the start, in the
// background: the bucket appears only once resources has made it, and no
// host's records can exist before then. A flow waiting for a placement this
// instance does not know shows as this read model's lag (/healthz and
// pn_projection_lag_seconds{projection="billing.placements"}), and holds
// readiness back once it has waited longer than PROJECTION_MAX_LAG_MS, as a
// wait for ownership facts does (the meter bounds the wait itself).
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ProjectionStatus } from '@pn/projection';
import { BUS_CONNECTION, followKeys, GarbageBin, openDataplaneBucket, PLATFORM_CONFIG, Projections, readDataplaneEntry, type PlatformConfig } from '@pn/service-kit';

const RETRY_MS = 1000;
/** A wait nobody has asked about for this long is over (its flows were placed, or parked at the end of their wait). */
const WAIT_FORGOTTEN_MS = 15_000;

@Injectable()
export class Placements implements OnModuleInit, OnModuleDestroy {
  private readonly hosts = new Map<string, string>();
  private watch: { stop(): void } | undefined;
  private stopped = false;
  /** The initial values were read and the watch runs. */
  private following = false;
  private revision = 0;
  /** Flows wait for the placement of these networks, since `since`; last asked about at `lastAsked`. */
  private waiting: { since: number; lastAsked: number; networks: Set<string> } | undefined;
  private readonly logger = new Logger(Placements.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
    projections: Projections,
  ) {
    projections.track(() => this.status());
  }

  onModuleInit(): void {
    void this.follow();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  /** The host a network is placed on; undefined while that is not known (yet). */
  hostOf(networkId: string): string | undefined {
    return this.hosts.get(networkId);
  }

  /** A flow of this network waits for its placement (the meter hands its message back and asks again). */
  waitFor(networkId: string): void {
    const now = Date.now();
    const networks = this.waiting?.networks ?? new Set<string>();
    networks.add(networkId);
    this.waiting = { since: this.waiting?.since ?? now, lastAsked: now, networks };
  }

  /** For /healthz and /metrics: its lag is how long flows have waited for a placement it does not know. */
  status(): ProjectionStatus {
    const now = Date.now();
    if (this.waiting && (this.waiting.networks.size === 0 || now - this.waiting.lastAsked > WAIT_FORGOTTEN_MS)) this.waiting = undefined;
    const lagMs = this.waiting ? now - this.waiting.since : 0;
    return { name: 'billing.placements', category: 'dataplane', caughtUp: this.following, position: String(this.revision), lagMs, parked: 0, gatesReadiness: lagMs > this.config.projectionMaxLagMs };
  }

  /** Follows `placed.>` until stopped: again after a failure, keeping what it knew (a placement never moves). */
  private async follow(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      // Resolves with the error that ended the watch, or that kept it from starting (no bucket yet).
      const ended = await new Promise<unknown>((resolve) => {
        openDataplaneBucket(this.nc, this.config)
          .then((kv) => followKeys(kv, 'placed.>', (entry) => this.apply(entry), resolve))
          .then((watch) => {
            this.watch = watch;
            this.following = true;
          }, resolve);
      });
      this.following = false;
      if (this.stopped) return;
      if (attempt % 60 === 0) this.logger.warn(`the placements cannot be followed now (again every ${RETRY_MS} ms): ${String(ended)}`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private apply(entry: Parameters<typeof readDataplaneEntry>[0]): void {
    this.revision = Math.max(this.revision, entry.revision);
    const read = readDataplaneEntry(entry);
    if (read.type === 'placed' && read.value) {
      this.hosts.set(read.networkId, read.value.hostId);
      this.waiting?.networks.delete(read.networkId);
    }
    else if (read.type === 'garbage') this.garbage.park({ consumer: 'dataplane', subject: entry.key, stream: '', seq: entry.revision, reason: 'wrong_shape', detail: read.reason, bytes: entry.length });
  }
}
