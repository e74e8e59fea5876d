// The environment of a platform run as separate processes (benchmarks, the
// chaos suite): free ports, an admin token, its own event, integration and
// flows streams, ephemeral metrics ports; `defaults` go under the caller's
// environment (benchmarks lift the rate limits there). One place, so the
// process-based platforms cannot drift apart.
import { randomBytes } from 'node:crypto';
import { freePort, uniqueId } from '@pn/test-support';

export interface ServiceEnvironment {
  readonly env: NodeJS.ProcessEnv & { EVENT_STREAM: string; INTEGRATION_STREAM: string; FLOWS_STREAM: string };
  readonly gatewayPort: number;
  /** A free TCP port; the DNS server also binds it for UDP. */
  readonly dnsPort: number;
  readonly adminToken: string;
}

/** The streams and subject prefixes of one run, so runs sharing a NATS never see each other's events. */
export function runEnvironment(run: string) {
  return {
    EVENT_STREAM: `EVENTS_${run}`,
    EVENT_SUBJECT_PREFIX: `es_${run}`,
    INTEGRATION_STREAM: `INTEGRATION_${run}`,
    INTEGRATION_SUBJECT_PREFIX: `in_${run}`,
    FLOWS_STREAM: `FLOWS_${run}`,
    FLOWS_SUBJECT_PREFIX: `fl_${run}`,
  };
}

/**
 * The same for a run of processes, whose integration and flows streams the
 * caller's environment may choose: billing folds the whole integration
 * history at boot, so by default a run has its own rather than one shared
 * with earlier runs, which would be measured along with it.
 */
export function runStreams(run: string) {
  const own = runEnvironment(run);
  return {
    ...own,
    INTEGRATION_STREAM: process.env.INTEGRATION_STREAM ?? own.INTEGRATION_STREAM,
    INTEGRATION_SUBJECT_PREFIX: process.env.INTEGRATION_SUBJECT_PREFIX ?? own.INTEGRATION_SUBJECT_PREFIX,
    FLOWS_STREAM: process.env.FLOWS_STREAM ?? own.FLOWS_STREAM,
    FLOWS_SUBJECT_PREFIX: process.env.FLOWS_SUBJECT_PREFIX ?? own.FLOWS_SUBJECT_PREFIX,
  };
}

/** A service's environment: the run's, with the path of the service's own NATS credentials when the bus is secured. */
export const serviceEnv = (env: NodeJS.ProcessEnv, service: string, credentials?: Readonly<Record<string, string>>): NodeJS.ProcessEnv =>
  credentials ? { ...env, NATS_CREDENTIALS: credentials[service] } : env;

/** `run`: the run's name, when the caller needed its streams first (a NATS secured for them); a new one otherwise. */
export async function serviceEnvironment(
  natsUrl: string,
  runPrefix: string,
  logLevel: string,
  defaults: Readonly<Record<string, string>> = {},
  run = uniqueId(runPrefix),
): Promise<ServiceEnvironment> {
  const adminToken = randomBytes(16).toString('hex');
  const gatewayPort = await freePort();
  const dnsPort = await freePort();
  const env = {
    ...defaults,
    ...process.env,
    NATS_URL: natsUrl,
    GATEWAY_PORT: String(gatewayPort),
    DNS_PORT: String(dnsPort),
    // Ephemeral: several ipam instances may run, and a developer's `npm start` may hold the defaults.
    METRICS_PORT: '0',
    ADMIN_TOKEN: adminToken,
    ...runStreams(run),
    LOG_LEVEL: logLevel,
  };
  return { env, gatewayPort, dnsPort, adminToken };
}
