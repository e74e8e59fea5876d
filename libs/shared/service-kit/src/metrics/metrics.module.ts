// Metrics of one service instance: its registry (Metrics, injectable by
// class, so a service adds its own series), the read models' gauges, and,
// for a bus-only service, the server of its /metrics (the gateway serves it
// on its HTTP port instead). Global, so the bus client and the event store
// find it without importing it.
import { Global, Injectable, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { GarbageBin } from '@pn/event-store';
import { Projections } from '../projections.js';
import { registerGarbageMetrics } from './garbage-metrics.js';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics-server.js';
import { registerProjectionMetrics } from './projection-metrics.js';

@Injectable()
class ProjectionGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @Optional() private readonly projections?: Projections,
    @Optional() private readonly garbage?: GarbageBin,
  ) {}
  onModuleInit(): void {
    if (this.projections) registerProjectionMetrics(this.metrics, this.projections);
    if (this.garbage) registerGarbageMetrics(this.metrics, this.garbage);
  }
}

@Global()
@Module({})
export class MetricsModule {
  /** `serve`: start this service's own /metrics server (bus-only services). */
  static forRoot(service: string, options: { serve?: boolean } = {}): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: Metrics, useValue: new Metrics(service) }, ProjectionGauges, ...(options.serve ? [MetricsServer] : [])],
      exports: [Metrics],
    };
  }
}
