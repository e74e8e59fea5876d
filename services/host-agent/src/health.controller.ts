import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GarbageBin, garbageHealth } from '@pn/service-kit';
import { AGENT_CONFIG, FLOW_METER, HOST_AGENT } from './tokens.js';
import type { FlowMeter } from './flows/flow-meter.js';
import type { AgentConfig } from './agent-config.js';
import type { HostAgent } from './agent/host-agent.js';
import { LINUX_PLANE, type LinuxPlane } from './linux-plane.js';

@Controller()
export class AgentHealthController {
  constructor(
    @Inject(HOST_AGENT) private readonly agent: HostAgent,
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(FLOW_METER) private readonly meter: FlowMeter,
    @Inject(LINUX_PLANE) private readonly plane: LinuxPlane,
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
      drift: driftHealth(this.plane.drift()),
      flows: this.meter.health(),
      garbage: { total: Number(g.total) },
    };
  }
}

/** The drift passes: a host at rest reads no namespace (namespaces_read stays put) while every one is watched. */
function driftHealth(d: ReturnType<LinuxPlane['drift']>) {
  return { watched_namespaces: d.watched, changes_seen: d.changes, namespaces_read: d.reads, watch_restarts: d.watchRestarts };
}
