// `<service>.health` for every service, so starters and probes can tell a
// service that answers from one that merely has a process, and readiness can
// tell one whose read models are caught up from one answering from a stale view;
// it also lists what the service's consumers parked as garbage, and how it is on the bus.
import { Controller, Inject, Optional, type Type } from '@nestjs/common';
import { healthRoute, type ServiceName } from '@pn/contracts';
import { GarbageBin, jetStreamWaits } from '@pn/event-store';
import { busIdentity } from './bus-credentials.js';
import type { PlatformConfig } from './config.js';
import { garbageHealth } from './garbage.js';
import { Projections } from './projections.js';
import { PLATFORM_CONFIG } from './platform-config.module.js';
import { Rpc } from './rpc.decorator.js';
import { DATA_PLANE_HEALTH, type DataPlaneHealthSource } from './tokens.js';

const startedAt = Date.now();

/** A provider a service may register under HEALTH_NOTES: what it says of itself in its health, by topic. */
export interface HealthNotes {
  notes(): Record<string, string>;
}
export const HEALTH_NOTES = Symbol('HEALTH_NOTES');

export function healthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(
      @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
      @Optional() private readonly projections?: Projections,
      @Optional() private readonly garbage?: GarbageBin,
      @Optional() @Inject(DATA_PLANE_HEALTH) private readonly dataPlane?: DataPlaneHealthSource,
      @Optional() @Inject(HEALTH_NOTES) private readonly notes?: HealthNotes,
    ) {}

    @Rpc(healthRoute(service))
    health() {
      const bus = busIdentity(this.config.natsCredentials);
      const projections = (this.projections?.statuses() ?? []).map(({ gatesReadiness: _, ...s }) => ({ ...s, parked: BigInt(s.parked) }));
      return {
        service,
        // Recreating a consumer or waiting for a stream while a NATS cluster elects leaders: say so, /healthz shows it.
        status: jetStreamWaits().length > 0 ? 'waiting_for_jetstream' : 'ok',
        uptimeSeconds: (Date.now() - startedAt) / 1000,
        ready: this.projections?.ready() ?? true,
        projections,
        busRole: bus.role ?? '',
        busWarning: bus.warning ?? '',
        garbage: garbageHealth(this.garbage),
        ...(this.dataPlane ? { dataPlane: this.dataPlane.health() } : {}),
        notes: this.notes?.notes() ?? {},
      };
    }
  }
  return HealthController;
}
