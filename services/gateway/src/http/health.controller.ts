// GET /healthz: the gateway and every service it depends on, asked over the
// bus, each with its read models (caught up? how far behind? events parked?).
// GET /readyz: 200 only when every service answers and every read model of
// every service (the gateway's own too) is caught up within the lag bound;
// 503 otherwise, with the same report, so a load balancer holds traffic back
// from an instance answering from a stale view.
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { healthRoute, SERVICES, type ProjectionHealth } from '@pn/contracts';
import { jetStreamWaits } from '@pn/event-store';
import { Projections, RpcClient } from '@pn/service-kit';
import type { Response } from 'express';

interface ServiceReport {
  readonly status: string;
  readonly waiting_for?: string[];
  readonly ready: boolean;
  readonly projections: Array<{ name: string; caught_up: boolean; position: string; lag_ms: number; parked: number }>;
}

const projectionJson = (p: Pick<ProjectionHealth, 'name' | 'caughtUp' | 'position' | 'lagMs'> & { parked: bigint | number }) => ({
  name: p.name,
  caught_up: p.caughtUp,
  position: p.position,
  lag_ms: Math.round(p.lagMs),
  parked: Number(p.parked),
});

@Controller()
export class HealthHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly projections: Projections,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const report = await this.report();
    const ok = Object.values(report.services).every((s) => s.status === 'ok');
    if (!ok) response.status(503);
    const { gateway, ...others } = report.services;
    return {
      status: ok ? 'ok' : 'degraded',
      services: Object.fromEntries(Object.entries(others).map(([name, s]) => [name, s.status])),
      // Per service (the gateway too): readiness and each read model's position, lag and parked events.
      details: { gateway, ...others },
    };
  }

  @Get('readyz')
  @HttpCode(200)
  async ready(@Res({ passthrough: true }) response: Response) {
    const report = await this.report();
    const ready = Object.values(report.services).every((s) => s.status === 'ok' && s.ready);
    if (!ready) response.status(503);
    return { status: ready ? 'ready' : 'not_ready', services: report.services };
  }

  private async report(): Promise<{ services: Record<string, ServiceReport> }> {
    const waits = jetStreamWaits();
    const gateway: ServiceReport = {
      // Waiting for JetStream (a cluster electing leaders): the gateway says what for.
      status: waits.length > 0 ? 'waiting_for_jetstream' : 'ok',
      ...(waits.length > 0 ? { waiting_for: waits } : {}),
      ready: this.projections.ready(),
      projections: this.projections.statuses().map(projectionJson),
    };
    const others = await Promise.all(
      SERVICES.filter((s) => s !== 'gateway').map(async (service): Promise<[string, ServiceReport]> => {
        try {
          const reply = await this.rpc.call(healthRoute(service), {}, { timeoutMs: 1000 });
          return [service, { status: reply.status || 'ok', ready: reply.ready, projections: reply.projections.map(projectionJson) }];
        } catch (error) {
          return [service, { status: (error as { code?: string }).code ?? 'down', ready: false, projections: [] }];
        }
      }),
    );
    return { services: { gateway, ...Object.fromEntries(others) } };
  }
}
