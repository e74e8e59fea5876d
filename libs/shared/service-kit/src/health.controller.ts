// `<service>.health` for every service, so starters and probes can tell a
// service that answers from one that merely has a process.
import { Controller, type Type } from '@nestjs/common';
import { healthRoute, type ServiceName } from '@pn/contracts';
import { Rpc } from './rpc.decorator.js';

const startedAt = Date.now();

export function healthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    @Rpc(healthRoute(service))
    health() {
      return { service, status: 'ok', uptimeSeconds: (Date.now() - startedAt) / 1000 };
    }
  }
  return HealthController;
}
