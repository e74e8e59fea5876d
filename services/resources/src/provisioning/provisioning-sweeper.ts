// Resumes what was interrupted: a create that arrived while ipam or dns was
// down stays `provisioning`, a delete stays `deleting`, a failed create may
// still hold an address. Every few seconds this drives each of them one step
// further, so they complete once the services are back and no request is lost.
// They are driven side by side, a bounded number at a time: one after another,
// each waiting out its timeouts while a peer is slow or hung, hundreds left by
// an outage took minutes to recover.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PLATFORM_CONFIG, RemoteError, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { Provisioner } from './provisioner.js';

/**
 * How many unfinished resources a sweep drives at once. A drive is a few bus
 * calls, each of which may wait up to RPC_TIMEOUT_MS for a slow peer: 16 at
 * a time make 500 pending ones about 32 round trips instead of 500. Not more,
 * because the burst after an outage lands on ipam, dns and the event store
 * all at once (this bounds it at 16 requests in flight per resources
 * instance), and drives in one network meet on its ipam and zone streams,
 * which take one write at a time anyway.
 */
export const SWEEP_CONCURRENCY = 16;

@Injectable()
export class ProvisioningSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProvisioningSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly directory: ResourceDirectory,
    private readonly provisioner: Provisioner,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    }, this.config.provisionRetryMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  async sweep(): Promise<void> {
    const pending = this.directory.withWorkLeft();
    let next = 0;
    // SWEEP_CONCURRENCY lanes take the next resource as each finishes: a slow one holds up only its lane.
    const lane = async () => {
      while (next < pending.length) await this.driveOne(pending[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, pending.length) }, lane));
  }

  private async driveOne(resourceId: string): Promise<void> {
    try {
      await this.provisioner.drive(resourceId);
    } catch (error) {
      // Still unreachable, or refused (then already failed and released): next sweep.
      if (!(error instanceof RemoteError)) this.logger.debug?.(`${resourceId}: ${String(error)}`);
    }
  }
}
