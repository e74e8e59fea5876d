import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GarbageBin, garbageHealth } from '@pn/service-kit';
import { AGENT_CONFIG, FLOW_METER, HOST_AGENT } from './tokens.js';
import type { FlowMeter } from './flows/flow-meter.js';
import type { AgentConfig } from './agent-config.js';
import type { HostAgent } from './agent/host-agent.js';

@Controller()
export class AgentHealthController {
  constructor(
    @Inject(HOST_AGENT) private readonly agent: HostAgent,
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(FLOW_METER) private readonly meter: FlowMeter,
    private readonly garbage: GarbageBin,
  ) {}

  /** 200 once the start's full resync is done and the last reconcile succeeded; 503 otherwise, with why. */
  @Get('healthz')
  health(@Res({ passthrough: true }) response: Response) {
    const health = this.agent.health();
    const ok = health.synced && !health.lastReconcile?.error;
    if (!ok) response.status(503);
    const g = garbageHealth(this.garbage);
    return {
      status: ok ? 'ok' : 'degraded',
      host_id: this.config.hostId,
      synced: health.synced,
      desired: health.desired,
      attached: health.attached,
      failed: health.failed,
      last_reconcile: health.lastReconcile ?? null,
      flows: this.meter.health(),
      garbage: { total: Number(g.total) },
    };
  }
}
