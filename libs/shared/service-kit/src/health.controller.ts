// `<service>.health` for every service, so starters and probes can tell a
// service that answers from one that merely has a process, and readiness can
// tell one whose read models are caught up from one answering from a stale view;
// it also lists what the service's consumers parked as garbage.
import { Controller, Optional, type Type } from '@nestjs/common';
import { healthRoute, type ServiceName } from '@pn/contracts';
import { GarbageBin } from '@pn/event-store';
import { garbageHealth } from './garbage.js';
import { Projections } from './projections.js';
import { Rpc } from './rpc.decorator.js';

const startedAt = Date.now();

export function healthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(
      @Optional() private readonly projections?: Projections,
      @Optional() private readonly garbage?: GarbageBin,
    ) {}

    @Rpc(healthRoute(service))
    health() {
      const projections = (this.projections?.statuses() ?? []).map(({ gatesReadiness: _, ...s }) => ({ ...s, parked: BigInt(s.parked) }));
      return {
        service,
        status: 'ok',
        uptimeSeconds: (Date.now() - startedAt) / 1000,
        ready: this.projections?.ready() ?? true,
        projections,
        garbage: garbageHealth(this.garbage),
      };
    }
  }
  return HealthController;
}
