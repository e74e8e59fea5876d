// `<service>.health` for every service, so starters and probes can tell a
// service that answers from one that merely has a process, and readiness can
// tell one whose read models are caught up from one answering from a stale view.
import { Controller, Optional, type Type } from '@nestjs/common';
import { healthRoute, type ServiceName } from '@pn/contracts';
import { jetStreamWaits } from '@pn/event-store';
import { Projections } from './projections.js';
import { Rpc } from './rpc.decorator.js';

const startedAt = Date.now();

export function healthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(@Optional() private readonly projections?: Projections) {}

    @Rpc(healthRoute(service))
    health() {
      const projections = (this.projections?.statuses() ?? []).map(({ gatesReadiness: _, ...s }) => ({ ...s, parked: BigInt(s.parked) }));
      return {
        service,
        // Recreating a consumer or waiting for a stream while a NATS cluster elects leaders: say so, /healthz shows it.
        status: jetStreamWaits().length > 0 ? 'waiting_for_jetstream' : 'ok',
        uptimeSeconds: (Date.now() - startedAt) / 1000,
        ready: this.projections?.ready() ?? true,
        projections,
      };
    }
  }
  return HealthController;
}
