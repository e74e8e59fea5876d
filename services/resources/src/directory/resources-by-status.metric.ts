// Live resources by kind and status, counted from the resource directory when
// scraped (deleted ones have left it, so they are not counted).
import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Metrics } from '@pn/service-kit';
import { ResourceDirectory } from './resource-directory.js';

@Injectable()
export class ResourcesByStatusMetric implements OnModuleInit {
  constructor(
    private readonly directory: ResourceDirectory,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    const directory = this.directory;
    this.metrics?.gauge({
      name: 'pn_resources',
      help: 'Live resources, by kind and status (provisioning, running or available, stopped, failed, deleting)',
      labelNames: ['kind', 'status'],
      collect() {
        this.reset(); // a status no resource has any more reads as absent, not as its last count
        for (const { kind, status, n } of directory.countsByKindAndStatus()) this.set({ kind, status }, n);
      },
    });
  }
}
