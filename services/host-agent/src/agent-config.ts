// The agent's own settings, beside the platform's (NATS, the dns service's
// address, the forwarder secret). HOST_ID names the host in every record it
// writes and every key it reads; its NATS credentials are that host's (each
// host is its own user), so it defaults to the host they name, then to the
// machine's hostname as a token.
import { join } from 'node:path';
import { isHostId, machineHostId } from '@pn/bus-access';
import { ConfigError, integer } from '@pn/service-kit';

export interface AgentConfig {
  readonly hostId: string;
  /** Port of the agent's /healthz (HOST_AGENT_PORT, default 8086; 0: any). */
  readonly port: number;
  readonly resyncEveryMs: number;
  readonly heartbeatEveryMs: number;
  /** Run real workloads (PostgreSQL, Redis, HTTP) in VMs (DATAPLANE_WORKLOADS, default on). */
  readonly workloads: boolean;
  /** Where workloads keep their data and credentials (DATAPLANE_RUN_DIR, default .run/dataplane). */
  readonly runDir: string;
  /** Prefix of everything it makes in the kernel (DATAPLANE_PREFIX, default pn). */
  readonly prefix: string;
  /** A connection that lasts is reported at least this often (FLOW_REPORT_INTERVAL_SECONDS, default 60). */
  readonly flowIntervalSeconds: number;
  /** How often the connection tables are read (FLOW_POLL_MS, default 1000). */
  readonly flowPollMs: number;
}

/** `credentialsHost`: the host its NATS credentials are for, when it has some. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env, credentialsHost?: string): AgentConfig {
  const hostId = env.HOST_ID || credentialsHost || machineHostId();
  if (!isHostId(hostId)) throw new ConfigError(`HOST_ID must be 1 to 64 letters, digits, "-" or "_", got "${hostId}"`);
  if (credentialsHost !== undefined && hostId !== credentialsHost) {
    throw new ConfigError(`HOST_ID is "${hostId}" but the NATS credentials are host "${credentialsHost}"'s: an agent reads and reports only as the host its credentials name`);
  }
  const prefix = env.DATAPLANE_PREFIX || 'pn';
  if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) throw new ConfigError(`DATAPLANE_PREFIX must be a lower-case letter and up to 7 letters or digits, got "${prefix}"`);
  const port = integer(env, 'HOST_AGENT_PORT', 8086, 0, 65535);
  const workloads = (env.DATAPLANE_WORKLOADS ?? 'on') !== 'off';
  const flowIntervalSeconds = integer(env, 'FLOW_REPORT_INTERVAL_SECONDS', 60, 1, 3600);
  const flowPollMs = integer(env, 'FLOW_POLL_MS', 1000, 100, 60_000);
  const runDir = env.DATAPLANE_RUN_DIR || join(process.cwd(), '.run', 'dataplane');
  return { hostId, port, resyncEveryMs: 10_000, heartbeatEveryMs: 1000, workloads, runDir, prefix, flowIntervalSeconds, flowPollMs };
}
