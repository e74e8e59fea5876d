// GET /healthz: the gateway and every service it depends on, asked over the
// bus, each with its read models (caught up? how far behind? events parked?).
// GET /readyz: 200 only when every service answers and every read model of
// every service (the gateway's own too) is caught up within the lag bound;
// 503 otherwise, with the same report, so a load balancer holds traffic back
// from an instance answering from a stale view. Each service's report also
// lists the garbage its consumers parked (subject, stream sequence, reason)
// with exact counts: a bad message on the bus shows here, never as an outage.
import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { healthRoute, SERVICES, type DataPlaneHealth, type GarbageHealth, type ProjectionHealth } from '@pn/contracts';
import { jetStreamWaits } from '@pn/event-store';
import { busIdentity, GarbageBin, garbageHealth, PLATFORM_CONFIG, Projections, RpcClient, type PlatformConfig } from '@pn/service-kit';
import type { Response } from 'express';

interface ServiceReport {
  readonly status: string;
  readonly waiting_for?: string[];
  readonly ready: boolean;
  /** The NATS role it authenticated as (null: none), and what is wrong with that, if anything. */
  readonly bus?: { readonly role: string | null; readonly warning: string | null };
  /** What the service says of itself beyond this (dns: `udp`), when anything. */
  readonly notes?: Record<string, string>;
  readonly projections: Array<{ name: string; caught_up: boolean; position: string; lag_ms: number; parked: number }>;
  readonly garbage: ReturnType<typeof garbageJson>;
}

type GarbageReply = { total: bigint; counts: Array<Omit<GarbageHealth['counts'][number], '$typeName'>>; recent: Array<Omit<GarbageHealth['recent'][number], '$typeName'>> };

const garbageJson = (g: GarbageReply | undefined) => ({
  total: Number(g?.total ?? 0),
  counts: (g?.counts ?? []).map((c) => ({ consumer: c.consumer, reason: c.reason, count: Number(c.count) })),
  recent: (g?.recent ?? []).map((m) => ({
    consumer: m.consumer,
    subject: m.subject,
    stream: m.stream,
    seq: Number(m.seq),
    reason: m.reason,
    detail: m.detail,
    bytes: Number(m.bytes),
    parked_at: m.parkedAt,
  })),
});

const projectionJson = (p: Pick<ProjectionHealth, 'name' | 'caughtUp' | 'position' | 'lagMs'> & { parked: bigint | number }) => ({
  name: p.name,
  caught_up: p.caughtUp,
  position: p.position,
  lag_ms: Math.round(p.lagMs),
  parked: Number(p.parked),
});

interface DataPlaneJson {
  hosts: Array<{ host_id: string; attached: number; failed: number; seen_ms_ago: number }>;
  note?: string;
}

/** The host agents running now; none: say plainly that nothing is enforced on the wire. */
const dataPlaneJson = (health: DataPlaneHealth | undefined): DataPlaneJson => {
  const hosts = (health?.hosts ?? []).map((h) => ({ host_id: h.hostId, attached: h.attached, failed: h.failed, seen_ms_ago: Math.round(h.seenMsAgo) }));
  return hosts.length > 0 ? { hosts } : { hosts, note: 'no host agent is running: no data plane, networks exist as records only (no isolation, names or traffic on the wire)' };
};

@Controller()
export class HealthHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly garbage: GarbageBin,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const report = await this.report();
    const ok = Object.values(report.services).every((s) => s.status === 'ok');
    if (!ok) response.status(503);
    const { gateway, ...others } = report.services;
    const busWarnings = Object.entries(report.services).flatMap(([name, s]) => (s.bus?.warning ? [`${name}: ${s.bus.warning}`] : []));
    return {
      status: ok ? 'ok' : 'degraded',
      // Loud on purpose: a platform whose bus takes anyone is not secure, however healthy.
      ...(busWarnings.length > 0 ? { bus_warnings: busWarnings } : {}),
      services: Object.fromEntries(Object.entries(others).map(([name, s]) => [name, s.status])),
      data_plane: report.dataPlane,
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

  private async report(): Promise<{ services: Record<string, ServiceReport>; dataPlane: DataPlaneJson }> {
    let dataPlane: DataPlaneJson = { hosts: [], note: 'resources did not answer: the data plane is unknown' };
    const bus = busIdentity(this.config.natsCredentials);
    const waits = jetStreamWaits();
    const gateway: ServiceReport = {
      // Waiting for JetStream (a cluster electing leaders): the gateway says what for.
      status: waits.length > 0 ? 'waiting_for_jetstream' : 'ok',
      ...(waits.length > 0 ? { waiting_for: waits } : {}),
      bus: { role: bus.role ?? null, warning: bus.warning ?? null },
      ready: this.projections.ready(),
      projections: this.projections.statuses().map(projectionJson),
      garbage: garbageJson(garbageHealth(this.garbage)),
    };
    const others = await Promise.all(
      SERVICES.filter((s) => s !== 'gateway').map(async (service): Promise<[string, ServiceReport]> => {
        try {
          const reply = await this.rpc.call(healthRoute(service), {}, { timeoutMs: 1000 });
          const bus = { role: reply.busRole || null, warning: reply.busWarning || null };
          if (service === 'resources') dataPlane = dataPlaneJson(reply.dataPlane);
          const notes = Object.keys(reply.notes).length > 0 ? { notes: reply.notes } : {};
          return [service, { status: reply.status || 'ok', ready: reply.ready, bus, ...notes, projections: reply.projections.map(projectionJson), garbage: garbageJson(reply.garbage) }];
        } catch (error) {
          return [service, { status: (error as { code?: string }).code ?? 'down', ready: false, projections: [], garbage: garbageJson(undefined) }];
        }
      }),
    );
    return { services: { gateway, ...Object.fromEntries(others) }, dataPlane };
  }
}
