// The agent's parts: its bus connection (as role host-agent), the dataplane
// bucket (made by resources: the agent waits for it, it may not make it),
// the Linux data plane and the agent between them. On shutdown the agent
// stops reporting first, then the data plane removes what it made (unless
// DATAPLANE_KEEP=1: an upgrade keeps VMs' traffic flowing), then the bus drains.
import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { flowsHostSubject } from '@pn/bus-access';
import { BUS_CONNECTION, connectBus, GarbageBin, newGarbageBin, openDataplaneBucket, type PlatformConfig } from '@pn/service-kit';
import type { AgentConfig } from './agent-config.js';
import { HostAgent } from './agent/host-agent.js';
import { AgentHealthController } from './health.controller.js';
import { LINUX_PLANE, startLinuxPlane, type LinuxPlane } from './linux-plane.js';
import { AGENT_CONFIG, FLOW_METER, HOST_AGENT } from './tokens.js';
import { FlowMeter } from './flows/flow-meter.js';
import { networkAddresses } from './agent/desired-host.js';
import { jetstream } from '@nats-io/jetstream';

/** The agent and its meter, made together: the meter follows each network before the agent reports it. */
const AGENT_PARTS = Symbol('AGENT_PARTS');
interface AgentParts {
  readonly hostAgent: HostAgent;
  readonly meter: FlowMeter;
}

class AgentShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(HOST_AGENT) private readonly agent: HostAgent,
    @Inject(FLOW_METER) private readonly meter: FlowMeter,
    @Inject(LINUX_PLANE) private readonly plane: LinuxPlane,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    // The meter's last round first, while the namespaces (and their counters) are still there.
    await this.meter.poll();
    await this.meter.stop();
    await this.agent.stop();
    await this.plane.stop({ removeAll: process.env.DATAPLANE_KEEP !== '1' });
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

async function bucketWhenMade(nc: NatsConnection, config: PlatformConfig) {
  const logger = new Logger('HostAgent');
  for (let attempt = 0; ; attempt++) {
    try {
      return await openDataplaneBucket(nc, config);
    } catch (error) {
      if (attempt === 0) logger.warn(`the dataplane bucket is not there yet (resources makes it): waiting (${String(error)})`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

@Module({})
export class HostAgentModule {
  static forRoot(config: PlatformConfig, agent: AgentConfig): DynamicModule {
    return {
      module: HostAgentModule,
      controllers: [AgentHealthController],
      providers: [
        { provide: AGENT_CONFIG, useValue: agent },
        { provide: GarbageBin, useFactory: newGarbageBin },
        { provide: BUS_CONNECTION, useFactory: () => connectBus(config, 'host-agent') },
        { provide: LINUX_PLANE, useFactory: () => startLinuxPlane(config, agent) },
        {
          provide: AGENT_PARTS,
          useFactory: async (nc: NatsConnection, plane: LinuxPlane, garbage: GarbageBin) => {
            const kv = await bucketWhenMade(nc, config);
            const hostAgent = new HostAgent(kv, plane, garbage, agent);
            const networks = () => hostAgent.networks().map((n) => ({ id: n.id, namespace: plane.networkNamespaceOf(n.id), ...networkAddresses(n.cidr) }));
            const meter = new FlowMeter(jetstream(nc), networks, {
              hostId: agent.hostId,
              runDir: agent.runDir,
              // Its own host's flows subject, the only one its NATS user may publish on.
              subject: flowsHostSubject(config.flowsSubjectPrefix, agent.hostId),
              intervalSeconds: agent.flowIntervalSeconds,
              pollMs: agent.flowPollMs,
            });
            // Before the first resync: every network, those made while no agent ran included, has its
            // drops followed before anything in it is reported attached.
            hostAgent.beforeReporting(() => meter.listen());
            await hostAgent.start();
            meter.start();
            return { hostAgent, meter };
          },
          inject: [BUS_CONNECTION, LINUX_PLANE, GarbageBin],
        },
        { provide: HOST_AGENT, useFactory: (parts: AgentParts) => parts.hostAgent, inject: [AGENT_PARTS] },
        { provide: FLOW_METER, useFactory: (parts: AgentParts) => parts.meter, inject: [AGENT_PARTS] },
        AgentShutdown,
      ],
    };
  }
}
