// Configuration of every service, from the environment, with defaults that
// work on a developer machine with a local NATS.
import { createHmac } from 'node:crypto';
import { busCredentialOptions } from './bus-credentials.js';

export interface PlatformConfig {
  readonly natsUrl: string;
  /**
   * Path of this process's NATS credentials file (NATS_CREDENTIALS): its role
   * and nkey seed (see @pn/bus-access). Empty: connect without credentials,
   * which only a server that enforces nothing accepts, said loudly at boot
   * and in /healthz.
   */
  readonly natsCredentials: string;
  /** `jetstream` (default) or an `esdb://` / `kurrentdb://` connection string. */
  readonly eventStore: string;
  /** JetStream stream and subject prefix of the event store (EVENT_STREAM, EVENT_SUBJECT_PREFIX). */
  readonly eventStream: string;
  readonly eventSubjectPrefix: string;
  /** JetStream stream and subject prefix of integration events (INTEGRATION_STREAM, INTEGRATION_SUBJECT_PREFIX). */
  readonly integrationStream: string;
  readonly integrationSubjectPrefix: string;
  /** Copies of the event stream (and snapshot bucket) in a NATS cluster (EVENT_STREAM_REPLICAS); 1 here, 3 in infra/. */
  readonly eventStreamReplicas: number;
  /** Projections resume from checkpoints (PROJECTION_CHECKPOINTS=off rebuilds every read model from the start). */
  readonly projectionCheckpoints: boolean;
  /** Aggregate streams (network-*, zone-*) are snapshotted every this many events (SNAPSHOT_EVERY; 0 = never). */
  readonly snapshotEvery: number;
  /** A projection further behind than this is not ready, and the DNS server answers SERVFAIL from such a view (PROJECTION_MAX_LAG_MS). */
  readonly projectionMaxLagMs: number;
  readonly gatewayPort: number;
  readonly gatewayHost: string;
  /** Connections the gateway holds in all (GATEWAY_MAX_CONNECTIONS) and from one client address (…_PER_CLIENT); past either, 503. */
  readonly gatewayMaxConnections: number;
  readonly gatewayMaxConnectionsPerClient: number;
  /** A request's headers (GATEWAY_HEADERS_TIMEOUT_MS), and all of it with its body (GATEWAY_REQUEST_TIMEOUT_MS), must arrive this soon after its connection opens or the last answer on it; else 408. */
  readonly gatewayHeadersTimeoutMs: number;
  readonly gatewayRequestTimeoutMs: number;
  readonly dnsPort: number;
  readonly dnsHost: string;
  readonly dnsTtlSeconds: number;
  /** How long resolvers may cache a miss: TTL and minimum of the zones' SOA (DNS_NEGATIVE_TTL_SECONDS). */
  readonly dnsNegativeTtlSeconds: number;
  /** When not empty, EDNS option 65001 must carry the network id and its HMAC under this secret (DNS_FORWARDER_SECRET). */
  readonly dnsForwarderSecret: string;
  /** A DNS-over-TCP message must be whole this long after its first byte, and start this soon after opening or an answer (DNS_TCP_MESSAGE_TIMEOUT_MS). */
  readonly dnsTcpMessageTimeoutMs: number;
  /** DNS-over-TCP connections one source address may hold (DNS_TCP_MAX_PER_CLIENT). */
  readonly dnsTcpMaxPerClient: number;
  /** Empty: admin endpoints refuse every request. */
  readonly adminToken: string;
  /**
   * The gateways' secret that stored idempotent answers are sealed with
   * (IDEMPOTENCY_SECRET, at least 32 characters; `npm start` generates one).
   * Unset: derived from ADMIN_TOKEN, which callers do not know either; with
   * neither, a random one per process (answers then replay only on the
   * instance that stored them, said at boot).
   */
  readonly idempotencySecret: string;
  readonly ipQuarantineSeconds: number;
  readonly rpcTimeoutMs: number;
  /**
   * How long the gateway gives each HTTP request, from its arrival
   * (REQUEST_DEADLINE_MS). It travels with every bus request, so no hop
   * behind works past it; a single call still also stops at rpcTimeoutMs.
   */
  readonly requestDeadlineMs: number;
  /** How often unfinished creates and deletes are driven again (PROVISION_RETRY_MS). */
  readonly provisionRetryMs: number;
  readonly regions: readonly string[];
  /** Projects an account may create by name; its `default` project does not count (QUOTA_PROJECTS). */
  readonly quotaProjects: number;
  /** Resources one network (project) may hold, deleted ones not counted (QUOTA_RESOURCES_PER_NETWORK). */
  readonly quotaResourcesPerNetwork: number;
  /** Live API keys an account may hold (QUOTA_API_KEYS); a revoked key frees its slot. */
  readonly quotaApiKeys: number;
  /** Requests per second each API key may make, steadily (RATE_LIMIT_PER_SECOND); per gateway instance. */
  readonly rateLimitPerSecond: number;
  /** Requests an API key may make at once after a quiet spell (RATE_LIMIT_BURST). */
  readonly rateLimitBurst: number;
  /** The same for requests without a valid API key or admin token, per source address (RATE_LIMIT_UNAUTHENTICATED_PER_SECOND, …_BURST). */
  readonly rateLimitUnauthenticatedPerSecond: number;
  readonly rateLimitUnauthenticatedBurst: number;
  /** The public pool VMs, databases and caches are exposed from (PUBLIC_IP_POOL, an IPv4 CIDR /8–/30). */
  readonly publicIpPool: string;
  /** host:port of the DNS server a custom domain's records are checked with (DOMAIN_VERIFY_RESOLVER); empty: the system's resolvers. */
  readonly domainVerifyResolver: string;
  /** Public hosts of databases and caches are `<name>.<id>.<PUBLIC_HOST_SUFFIX>`. */
  readonly publicHostSuffix: string;
  /** Flow records are captured in this JetStream stream, from `<FLOWS_SUBJECT_PREFIX>` and `<FLOWS_SUBJECT_PREFIX>.>` (FLOWS_STREAM, FLOWS_SUBJECT_PREFIX). */
  readonly flowsStream: string;
  readonly flowsSubjectPrefix: string;
  /** Egress price in micro-USD per GB of 10^9 bytes (BILLING_PRICE_PER_GB_MICROS; 90000 = 0.09 USD). */
  readonly billingPricePerGbMicros: number;
  /** Egress an account gets free each month, in GB of 10^9 bytes (BILLING_FREE_GB). */
  readonly billingFreeGb: number;
  /** A month's invoice is final this long after the month ends (BILLING_GRACE_HOURS). */
  readonly billingGraceHours: number;
  /** Nest log levels from LOG_LEVEL (error, warn, log, debug): that level and the ones above it. */
  readonly logLevels: Array<'error' | 'warn' | 'log' | 'debug'>;
  /**
   * Port of a bus-only service's own /metrics server (METRICS_PORT): a number
   * (0 = ephemeral), 'off', or undefined for the service's default (see
   * metrics/metrics-server.ts). The gateway serves /metrics on its HTTP port.
   */
  readonly metricsPort: number | 'off' | undefined;
  /** Address that server binds (METRICS_HOST). */
  readonly metricsHost: string;
}

const LOG_LEVELS = ['error', 'warn', 'log', 'debug'] as const;

function logLevels(raw: string | undefined): PlatformConfig['logLevels'] {
  const level = (raw || 'log') as (typeof LOG_LEVELS)[number];
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return LOG_LEVELS.slice(0, index + 1);
}

export class ConfigError extends Error {}

/** An integer setting from `env[name]` in [min, max], `fallback` when unset; a ConfigError naming it otherwise. */
export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

// Checked again, exactly, by the pool's own rules (parsePoolRange): this catches a typo at boot.
function cidrOf(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(raw);
  if (!match || match.slice(1, 5).some((o) => Number(o) > 255) || Number(match[5]) < 8 || Number(match[5]) > 30) {
    throw new ConfigError(`${name} must be an IPv4 CIDR from /8 to /30 such as ${fallback}, got "${raw}"`);
  }
  return raw;
}

function hostPortOf(env: NodeJS.ProcessEnv, name: string): string {
  const raw = env[name] ?? '';
  if (raw === '') return '';
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(raw);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new ConfigError(`${name} must be host:port, got "${raw}"`);
  return raw;
}

function idempotencySecretOf(env: NodeJS.ProcessEnv): string {
  const raw = env.IDEMPOTENCY_SECRET ?? '';
  if (raw !== '') {
    if (raw.length < 32) throw new ConfigError('IDEMPOTENCY_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)');
    return raw;
  }
  if (env.ADMIN_TOKEN) return createHmac('sha256', env.ADMIN_TOKEN).update('pn-idempotency-secret').digest('hex');
  return '';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  return {
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    natsCredentials: env.NATS_CREDENTIALS ?? '',
    eventStore: env.EVENT_STORE || 'jetstream',
    eventStream: env.EVENT_STREAM || 'EVENTS',
    eventSubjectPrefix: env.EVENT_SUBJECT_PREFIX || 'es',
    integrationStream: env.INTEGRATION_STREAM || 'INTEGRATION',
    integrationSubjectPrefix: env.INTEGRATION_SUBJECT_PREFIX || 'pn.integration',
    eventStreamReplicas: integer(env, 'EVENT_STREAM_REPLICAS', 1, 1, 5),
    projectionCheckpoints: onOff(env, 'PROJECTION_CHECKPOINTS', true),
    snapshotEvery: integer(env, 'SNAPSHOT_EVERY', 500, 0, 1_000_000),
    projectionMaxLagMs: integer(env, 'PROJECTION_MAX_LAG_MS', 2000, 100, 600_000),
    gatewayPort: integer(env, 'GATEWAY_PORT', 8080, 0, 65535),
    gatewayHost: env.GATEWAY_HOST || '127.0.0.1',
    // Under the process's usual 20,000 file descriptors, with room for everything else it opens.
    gatewayMaxConnections: integer(env, 'GATEWAY_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    gatewayMaxConnectionsPerClient: integer(env, 'GATEWAY_MAX_CONNECTIONS_PER_CLIENT', 256, 1, 1_000_000),
    // Node refuses a headers timeout longer than the request timeout: the latter bounds the former.
    gatewayHeadersTimeoutMs: integer(env, 'GATEWAY_HEADERS_TIMEOUT_MS', 10_000, 100, integer(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000)),
    gatewayRequestTimeoutMs: integer(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    dnsPort: integer(env, 'DNS_PORT', 5353, 0, 65535),
    dnsHost: env.DNS_HOST || '127.0.0.1',
    dnsTtlSeconds: integer(env, 'DNS_TTL_SECONDS', 5, 0, 86400),
    dnsNegativeTtlSeconds: integer(env, 'DNS_NEGATIVE_TTL_SECONDS', 1, 0, 86400),
    dnsForwarderSecret: env.DNS_FORWARDER_SECRET ?? '',
    dnsTcpMessageTimeoutMs: integer(env, 'DNS_TCP_MESSAGE_TIMEOUT_MS', 2000, 100, 600_000),
    dnsTcpMaxPerClient: integer(env, 'DNS_TCP_MAX_PER_CLIENT', 16, 1, 65535),
    adminToken: env.ADMIN_TOKEN ?? '',
    idempotencySecret: idempotencySecretOf(env),
    ipQuarantineSeconds: integer(env, 'IP_QUARANTINE_SECONDS', 600, 0, 30 * 86400),
    rpcTimeoutMs: integer(env, 'RPC_TIMEOUT_MS', 5000, 50, 600_000),
    // At most MAX_DEADLINE_MS (deadline-rules.ts): longer deadlines on the bus are cut to it.
    requestDeadlineMs: integer(env, 'REQUEST_DEADLINE_MS', 10_000, 100, 600_000),
    provisionRetryMs: integer(env, 'PROVISION_RETRY_MS', 2000, 50, 600_000),
    quotaProjects: integer(env, 'QUOTA_PROJECTS', 100, 0, 1_000_000),
    quotaResourcesPerNetwork: integer(env, 'QUOTA_RESOURCES_PER_NETWORK', 5000, 1, 1_000_000),
    quotaApiKeys: integer(env, 'QUOTA_API_KEYS', 10, 1, 1_000),
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 50, 1, 1_000_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', 100, 1, 1_000_000),
    rateLimitUnauthenticatedPerSecond: integer(env, 'RATE_LIMIT_UNAUTHENTICATED_PER_SECOND', 10, 1, 1_000_000),
    rateLimitUnauthenticatedBurst: integer(env, 'RATE_LIMIT_UNAUTHENTICATED_BURST', 20, 1, 1_000_000),
    logLevels: logLevels(env.LOG_LEVEL),
    publicIpPool: cidrOf(env, 'PUBLIC_IP_POOL', '203.0.113.0/24'),
    domainVerifyResolver: hostPortOf(env, 'DOMAIN_VERIFY_RESOLVER'),
    publicHostSuffix: (env.PUBLIC_HOST_SUFFIX || 'public.pn.example').toLowerCase(),
    metricsPort: env.METRICS_PORT === 'off' ? 'off' : env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    flowsStream: env.FLOWS_STREAM || 'FLOWS',
    flowsSubjectPrefix: env.FLOWS_SUBJECT_PREFIX || 'telemetry.flows',
    billingPricePerGbMicros: integer(env, 'BILLING_PRICE_PER_GB_MICROS', 90_000, 0, 1_000_000_000),
    billingFreeGb: integer(env, 'BILLING_FREE_GB', 100, 0, 1_000_000_000),
    billingGraceHours: integer(env, 'BILLING_GRACE_HOURS', 48, 0, 24 * 366),
    regions: (env.REGIONS || 'us-east-1,us-west-2,eu-west-1,eu-central-1,ap-southeast-1').split(',').map((r) => r.trim()).filter(Boolean),
  };
}

/**
 * Options of a service's connection to NATS (one per instance, see
 * bus-connection.ts; tools and tests use them too). noAsyncTraces: no Error (with its stack) is made
 * up front for every request, a measurable share of CPU on the hot path, for
 * traces only seen on failure. maxReconnectAttempts -1: a NATS outage of any
 * length is waited out (calls meanwhile answer 503); the client's default
 * gives up after 10 attempts (~20 s) and leaves a service that never talks
 * again until restarted. With credentials, the connection authenticates as
 * its role and takes its replies on the role's own inbox prefix (the only
 * inbox its permissions let it read).
 */
export const natsOptions = (config: PlatformConfig, name: string) => ({
  servers: config.natsUrl.split(',').map((s) => s.trim()),
  name,
  noAsyncTraces: true,
  maxReconnectAttempts: -1,
  ...busCredentialOptions(config.natsCredentials),
});
