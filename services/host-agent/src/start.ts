import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { announceBusIdentity, JsonLogger, type PlatformConfig } from '@pn/service-kit';
import type { AgentConfig } from './agent-config.js';
import { HostAgentModule } from './host-agent.module.js';
import { dataPlaneBlocker } from './preconditions.js';

export async function startHostAgent(config: PlatformConfig, agent: AgentConfig) {
  const blocker = await dataPlaneBlocker({ workloads: agent.workloads });
  if (blocker) throw new Error(`no data plane on this host: ${blocker}`);
  const app = await NestFactory.create(HostAgentModule.forRoot(config, agent), { logger: new JsonLogger('host-agent', config.logLevels) });
  app.enableShutdownHooks();
  await app.listen(agent.port, '127.0.0.1');
  new Logger('host-agent').log(`host agent of ${agent.hostId} ready on http://127.0.0.1:${agent.port}/healthz (dns at ${config.dnsHost}:${config.dnsPort}${config.dnsForwarderSecret ? ', forwarder MAC on' : ', NO forwarder secret'})`);
  announceBusIdentity('host-agent', config.natsCredentials);
  return app;
}
