// The Linux data plane (@pn/dataplane-linux) as this agent configures it:
// resolvers forward to the platform's dns service with the forwarder MAC,
// public addresses come from the platform's pool.
import { Logger } from '@nestjs/common';
import { startDataPlane, type DataPlane } from '@pn/dataplane-linux';
import type { PlatformConfig } from '@pn/service-kit';
import type { AgentConfig } from './agent-config.js';

export const LINUX_PLANE = Symbol('LINUX_PLANE');
export type LinuxPlane = DataPlane;

export function startLinuxPlane(config: PlatformConfig, agent: AgentConfig): Promise<LinuxPlane> {
  const logger = new Logger('DataPlane');
  return startDataPlane({
    prefix: agent.prefix,
    runDir: agent.runDir,
    dns: { host: config.dnsHost, port: config.dnsPort, forwarderSecret: config.dnsForwarderSecret || null },
    publicPool: config.publicIpPool,
    ...(agent.workloads ? {} : { workloads: [] }),
    log: (message, fields) => logger.log(fields ? `${message} ${JSON.stringify(fields)}` : message),
  });
}
