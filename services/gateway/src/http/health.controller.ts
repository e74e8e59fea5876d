// GET /healthz: the gateway and every service it depends on, asked over the bus.
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { healthRoute, SERVICES } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import type { Response } from 'express';

@Controller('healthz')
export class HealthHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const services = await Promise.all(
      SERVICES.filter((s) => s !== 'gateway').map(async (service) => {
        try {
          await this.rpc.call(healthRoute(service), {}, { timeoutMs: 1000 });
          return [service, 'ok'] as const;
        } catch (error) {
          return [service, (error as { code?: string }).code ?? 'down'] as const;
        }
      }),
    );
    const ok = services.every(([, status]) => status === 'ok');
    if (!ok) response.status(503);
    return { status: ok ? 'ok' : 'degraded', services: Object.fromEntries(services) };
  }
}
