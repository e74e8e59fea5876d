// Resumes what was interrupted: a create that arrived while ipam or dns was
// down stays `provisioning`, a delete stays `deleting`, a failed create may
// still hold an address. Every few seconds this drives each of them one step
// further, so they complete once the services are back and no request is lost.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PLATFORM_CONFIG, RemoteError, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { Provisioner } from './provisioner.js';

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
    for (const resourceId of this.directory.withWorkLeft()) {
      try {
        await this.provisioner.drive(resourceId);
      } catch (error) {
        // Still unreachable, or refused (then already failed and released): next sweep.
        if (!(error instanceof RemoteError)) this.logger.debug?.(`${resourceId}: ${String(error)}`);
      }
    }
  }
}
