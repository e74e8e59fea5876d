// The whole platform in this process, for integration suites: the five
// services started the way their main.ts starts them, on NATS at `natsUrl`,
// with their own event stream (so runs never see each other's events), an
// ephemeral HTTP port and an ephemeral DNS port.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { loadConfig, MetricsServer, type PlatformConfig } from '@pn/service-kit';
import { afterAll, beforeAll } from '@jest/globals';
import type { Role } from '@pn/bus-access';
import { roleConnectOptions, startSecuredNats, startSecuredRestartableNats, uniqueId, type SecuredNats } from '@pn/test-support';
import { busNames } from '@pn/service-kit';
import { deleteEventStream } from './event-stream.js';
import { runEnvironment } from './service-env.js';
import { startBilling } from '../../services/billing/src/start.js';
import { DnsListener } from '../../services/dns/src/dns-listener/dns-listener.js';
import { startDns } from '../../services/dns/src/start.js';
import { startGateway } from '../../services/gateway/src/start.js';
import { startIpam } from '../../services/ipam/src/start.js';
import { startResources } from '../../services/resources/src/start.js';

export interface RunningPlatform {
  readonly url: string;
  readonly dnsPort: number;
  readonly adminToken: string;
  readonly config: PlatformConfig;
  /** The configuration a further instance of `role` starts with (its credentials on a secured NATS). */
  configAs(role: Service | 'gateway' | 'host-agent'): PlatformConfig;
  /** The dns service, for suites that look inside it (its zone view). */
  readonly dnsApp: INestMicroservice | undefined;
  /** Each bus-only service's /metrics (ephemeral ports; the first instance of each). */
  readonly metricsUrls: Partial<Record<Service, string>>;
  stop(): Promise<void>;
}

type Service = 'ipam' | 'dns' | 'billing' | 'resources';

export interface PlatformOptions {
  env?: Record<string, string>;
  /** Services left out, to see how the others behave when one is down. */
  without?: Service[];
  /** More ipam instances. */
  extraIpam?: number;
  /** The run's name (its streams, see runEnvironment); a new one when absent. */
  run?: string;
  /** Each role's credentials file (a secured NATS): every service connects as its own role. */
  credentials?: Readonly<Record<Role, string>>;
  /** Leave the streams in place on stop(), so a platform started with the same run restarts on them. */
  keepStreams?: boolean;
}

export interface SuiteOptions extends PlatformOptions {
  /** A local nats-server the suite can stop and start again (ctx.natsServer), rather than whatever NATS the run prefers. */
  restartableNats?: boolean;
}

export async function startPlatform(natsUrl: string, options: PlatformOptions = {}): Promise<RunningPlatform> {
  const env = options.env ?? {};
  const wanted = (service: Service) => !options.without?.includes(service);
  const run = options.run ?? uniqueId('run');
  const adminToken = randomBytes(16).toString('hex');
  const config = loadConfig({
    NATS_URL: natsUrl,
    GATEWAY_PORT: '0',
    DNS_PORT: '0',
    // Ephemeral: several services (and platforms) share this process, and a developer's `npm start` may hold the defaults.
    METRICS_PORT: '0',
    ADMIN_TOKEN: adminToken,
    ...runEnvironment(run),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // EVENT_STORE=esdb://… runs the platform suites on EventStoreDB (see eventStoreNote).
    ...(process.env.EVENT_STORE ? { EVENT_STORE: process.env.EVENT_STORE } : {}),
    ...env,
  });
  const credentials = options.credentials;
  // Each service as its own role, as each runs in its own process elsewhere.
  const as = (role: Service | 'gateway' | 'host-agent'): PlatformConfig => (credentials ? { ...config, natsCredentials: credentials[role] } : config);
  const cleanupConnection = credentials ? roleConnectOptions(natsUrl.split(','), credentials.admin) : natsUrl;
  const apps: Array<INestMicroservice | INestApplication> = [];
  const stop = async () => {
    for (const app of apps.reverse()) await app.close();
    if (!options.keepStreams) await deleteEventStream(cleanupConnection, config.eventStream, config.integrationStream, config.flowsStream);
  };
  const metricsUrls: Partial<Record<Service, string>> = {};
  const metricsOf = (service: Service, app: INestMicroservice) => {
    const url = app.get(MetricsServer).url;
    if (url) metricsUrls[service] ??= url;
    return app;
  };
  try {
    if (wanted('ipam')) apps.push(metricsOf('ipam', await startIpam(as('ipam'))));
    for (let i = 0; i < (options.extraIpam ?? 0); i++) apps.push(await startIpam(as('ipam')));
    const dns = wanted('dns') ? await startDns(as('dns')) : undefined;
    if (dns) apps.push(metricsOf('dns', dns));
    if (wanted('billing')) apps.push(metricsOf('billing', await startBilling(as('billing'))));
    if (wanted('resources')) apps.push(metricsOf('resources', await startResources(as('resources'))));
    const gateway = await startGateway(as('gateway'));
    apps.push(gateway);
    const url = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
    return { url, dnsPort: dns?.get(DnsListener).address?.udpPort ?? 0, adminToken: config.adminToken, config, configAs: as, dnsApp: dns, metricsUrls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Which event store the platform suites run on, and why not EventStoreDB when they don't. */
export function eventStoreNote(): string {
  const chosen = process.env.EVENT_STORE;
  if (chosen && chosen !== 'jetstream') return `events in EventStoreDB at ${chosen.replace(/\/\/[^@/]*@/, '//***@')}`;
  return 'events in JetStream; on EventStoreDB: skipped — no EVENT_STORE=esdb://… given (no EventStoreDB server runs on this machine)';
}

/**
 * A small HTTP client for the gateway: JSON in, status and JSON out. Like a
 * well-behaved agent it waits out a 429 `rate_limited` for as long as
 * Retry-After says and sends again, so suites run at the default rate limits
 * (a quota's 429 is an answer, returned as it is). `send` is fetch, or a
 * fetch from another loopback address (fetch-from.ts).
 */
export function apiClient(baseUrl: string, send: typeof fetch = fetch) {
  return async function api(
    method: string,
    path: string,
    options: { key?: string; admin?: string; body?: unknown; rawBody?: string } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (options.key) headers['x-api-key'] = options.key;
    if (options.admin) headers.authorization = `Bearer ${options.admin}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    for (;;) {
      const response = await send(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      const answer = { status: response.status, body: text ? JSON.parse(text) : undefined };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (answer.status !== 429 || answer.body?.error?.code !== 'rate_limited' || !(retryAfter > 0)) return answer;
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
    }
  };
}

export interface PlatformContext {
  /** The suite's NATS, secured: `nats.connectOptions(role)` connects as a role (`admin` by default). */
  nats: SecuredNats;
  platform: RunningPlatform;
  api: ReturnType<typeof apiClient>;
  /** A new account's API key. */
  newKey(name?: string): Promise<string>;
  /** Runs `cleanup` after the suite, while NATS and the platform still run (jest runs afterAll hooks in the order given). */
  beforeStop(cleanup: () => Promise<unknown>): void;
  /** With `restartableNats`: the server, to take it down (SIGTERM: a clean restart; SIGKILL: a crash) and up again. */
  natsServer?: { stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>; start(): Promise<void> };
}

/**
 * Registers a suite's setup and teardown: a secured NATS (a container where
 * an engine answers, else a local nats-server process — said once in the
 * output) with credentials per role, then the platform, each service as its
 * role. The returned context is filled in before the suite's tests run.
 */
export function usePlatform(suite: string, options: SuiteOptions = {}): PlatformContext {
  const cleanups: Array<() => Promise<unknown>> = [];
  const context = {
    beforeStop(cleanup: () => Promise<unknown>) {
      cleanups.push(cleanup);
    },
    async newKey(name = 'acme') {
      const { status, body } = await context.api('POST', '/v1/admin/accounts', { admin: context.platform.adminToken, body: { name } });
      if (status !== 201) throw new Error(`account creation answered ${status}: ${JSON.stringify(body)}`);
      return body.api_key as string;
    },
  } as PlatformContext;
  beforeAll(async () => {
    // The run's names first: the server's permissions are generated from them.
    const run = uniqueId('run');
    const names = busNames(loadConfig({ ...runEnvironment(run), ...options.env }));
    if (options.restartableNats) {
      const server = await startSecuredRestartableNats(names);
      context.natsServer = server;
      context.nats = { ...server, mode: 'local', note: `a local nats-server at ${server.url} that the suite stops and starts, with credentials per role`, stop: () => server.dispose() };
    } else context.nats = await startSecuredNats(names);
    console.log(`${suite}: ${context.nats.note}; ${eventStoreNote()}`);
    context.platform = await startPlatform(context.nats.url, { ...options, run, credentials: context.nats.credentials });
    context.api = apiClient(context.platform.url);
  }, 120_000);
  // A teardown's own bound: a host agent's clean-up (namespaces, daemons) takes seconds, not jest's default 5.
  afterAll(async () => {
    await context.natsServer?.start(); // a test that failed with the bus down: the clean-ups need it
    for (const cleanup of cleanups.reverse()) await cleanup();
    await context.platform?.stop();
    await context.nats?.stop();
  }, 60_000);
  return context;
}
