// The whole platform in this process, for integration suites: the five
// services started the way their main.ts starts them, on NATS at `natsUrl`,
// with their own event stream (so runs never see each other's events), an
// ephemeral HTTP port and an ephemeral DNS port.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { loadConfig, MetricsServer, type PlatformConfig } from '@pn/service-kit';
import { afterAll, beforeAll } from '@jest/globals';
import { startNats, uniqueId, type StartedNats } from '@pn/test-support';
import { deleteEventStream } from './event-stream.js';
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
  /** The dns service, for suites that look inside it (its zone view). */
  readonly dnsApp: INestMicroservice | undefined;
  /** Each bus-only service's /metrics (ephemeral ports; the first instance of each). */
  readonly metricsUrls: Partial<Record<Service, string>>;
  stop(): Promise<void>;
}

type Service = 'ipam' | 'dns' | 'billing' | 'resources';

/**
 * `without` leaves services out, to see how the others behave when one is down; `extraIpam` adds ipam instances;
 * `keepStreams` leaves the streams in place on stop(), so a platform started with the same names (`env`) restarts on them.
 */
export async function startPlatform(
  natsUrl: string,
  options: { env?: Record<string, string>; without?: Service[]; extraIpam?: number; keepStreams?: boolean } = {},
): Promise<RunningPlatform> {
  const env = options.env ?? {};
  const wanted = (service: Service) => !options.without?.includes(service);
  const run = uniqueId('run');
  const adminToken = randomBytes(16).toString('hex');
  const config = loadConfig({
    NATS_URL: natsUrl,
    GATEWAY_PORT: '0',
    DNS_PORT: '0',
    // Ephemeral: several services (and platforms) share this process, and a developer's `npm start` may hold the defaults.
    METRICS_PORT: '0',
    ADMIN_TOKEN: adminToken,
    EVENT_STREAM: `EVENTS_${run}`,
    EVENT_SUBJECT_PREFIX: `es_${run}`,
    INTEGRATION_STREAM: `INTEGRATION_${run}`,
    INTEGRATION_SUBJECT_PREFIX: `in_${run}`,
    FLOWS_STREAM: `FLOWS_${run}`,
    FLOWS_SUBJECT_PREFIX: `fl_${run}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // EVENT_STORE=esdb://… runs the platform suites on EventStoreDB (see eventStoreNote).
    ...(process.env.EVENT_STORE ? { EVENT_STORE: process.env.EVENT_STORE } : {}),
    ...env,
  });
  const apps: Array<INestMicroservice | INestApplication> = [];
  const stop = async () => {
    for (const app of apps.reverse()) await app.close();
    if (!options.keepStreams) await deleteEventStream(natsUrl, config.eventStream, config.integrationStream, config.flowsStream);
  };
  const metricsUrls: Partial<Record<Service, string>> = {};
  const metricsOf = (service: Service, app: INestMicroservice) => {
    const url = app.get(MetricsServer).url;
    if (url) metricsUrls[service] ??= url;
    return app;
  };
  try {
    if (wanted('ipam')) apps.push(metricsOf('ipam', await startIpam(config)));
    for (let i = 0; i < (options.extraIpam ?? 0); i++) apps.push(await startIpam(config));
    const dns = wanted('dns') ? await startDns(config) : undefined;
    if (dns) apps.push(metricsOf('dns', dns));
    if (wanted('billing')) apps.push(metricsOf('billing', await startBilling(config)));
    if (wanted('resources')) apps.push(metricsOf('resources', await startResources(config)));
    const gateway = await startGateway(config);
    apps.push(gateway);
    const url = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
    return { url, dnsPort: dns?.get(DnsListener).address?.udpPort ?? 0, adminToken, config, dnsApp: dns, metricsUrls, stop };
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
 * (a quota's 429 is an answer, returned as it is).
 */
export function apiClient(baseUrl: string) {
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
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      const answer = { status: response.status, body: text ? JSON.parse(text) : undefined };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (answer.status !== 429 || answer.body?.error?.code !== 'rate_limited' || !(retryAfter > 0)) return answer;
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
    }
  };
}

export interface PlatformContext {
  nats: StartedNats;
  platform: RunningPlatform;
  api: ReturnType<typeof apiClient>;
  /** A new account's API key. */
  newKey(name?: string): Promise<string>;
  /** Runs `cleanup` after the suite, while NATS and the platform still run (jest runs afterAll hooks in the order given). */
  beforeStop(cleanup: () => Promise<unknown>): void;
}

/**
 * Registers a suite's setup and teardown: NATS (a container where an engine
 * answers, else NATS_URL — said once in the output), then the platform. The
 * returned context is filled in before the suite's tests run.
 */
export function usePlatform(suite: string, options: Parameters<typeof startPlatform>[1] = {}): PlatformContext {
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
    context.nats = await startNats();
    console.log(`${suite}: ${context.nats.note}; ${eventStoreNote()}`);
    context.platform = await startPlatform(context.nats.url, options);
    context.api = apiClient(context.platform.url);
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await context.platform?.stop();
    await context.nats?.stop();
  });
  return context;
}
