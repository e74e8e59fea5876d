// Where each network is placed (the `placed.<network>` keys of the dataplane
// bucket, written once by resources), as this billing instance has heard it:
// a host's flow records count only for networks placed on that host
// (checkPublisherHost in @pn/billing-domain). Followed from the start, in the
// background: the bucket appears only once resources has made it, and no
// host's records can exist before then.
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { BUS_CONNECTION, followKeys, GarbageBin, openDataplaneBucket, PLATFORM_CONFIG, readDataplaneEntry, type PlatformConfig } from '@pn/service-kit';

const RETRY_MS = 1000;

@Injectable()
export class Placements implements OnModuleInit, OnModuleDestroy {
  private readonly hosts = new Map<string, string>();
  private watch: { stop(): void } | undefined;
  private stopped = false;
  private readonly logger = new Logger(Placements.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
  ) {}

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

  /** Follows `placed.>` until stopped: again after a failure, keeping what it knew (a placement never moves). */
  private async follow(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      // Resolves with the error that ended the watch, or that kept it from starting (no bucket yet).
      const ended = await new Promise<unknown>((resolve) => {
        openDataplaneBucket(this.nc, this.config)
          .then((kv) => followKeys(kv, 'placed.>', (entry) => this.apply(entry), resolve))
          .then((watch) => (this.watch = watch), resolve);
      });
      if (this.stopped) return;
      if (attempt % 60 === 0) this.logger.warn(`the placements cannot be followed now (again every ${RETRY_MS} ms): ${String(ended)}`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private apply(entry: Parameters<typeof readDataplaneEntry>[0]): void {
    const read = readDataplaneEntry(entry);
    if (read.type === 'placed' && read.value) this.hosts.set(read.networkId, read.value.hostId);
    else if (read.type === 'garbage') this.garbage.park({ consumer: 'dataplane', subject: entry.key, stream: '', seq: entry.revision, reason: 'wrong_shape', detail: read.reason, bytes: entry.length });
  }
}
