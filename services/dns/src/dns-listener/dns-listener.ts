// The DNS server on its real sockets (UDP and TCP on DNS_HOST:DNS_PORT),
// answering from the zone index: in this process, or in answering workers
// that copy the index (see dns-workers.ts and DnsOptions.workers). It opens
// only once the index has caught up, so a restarted instance never answers
// NXDOMAIN for a name that exists.
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DnsServer, type DnsServerAddress } from '@pn/dns-server';
import { Metrics, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { ViewLaggingError, ZoneProjection } from '../zone/zone.projection.js';
import { dnsAnswerMetrics } from './dns-metrics.js';
import { DNS_OPTIONS, type DnsOptions } from './dns-options.js';
import { DnsWorkers } from './dns-workers.js';
import type { WorkerServerOptions } from './worker-messages.js';

@Injectable()
export class DnsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: DnsServer | DnsWorkers;
  private readonly logger = new Logger(DnsListener.name);
  address: DnsServerAddress | undefined;
  /** One warning a second at most while lagging, not one per query. */
  private readonly lagWarnings = { last: 0, note: (message: string) => {
    if (Date.now() - this.lagWarnings.last < 1000) return;
    this.lagWarnings.last = Date.now();
    this.logger.warn(message);
  } };

  constructor(
    private readonly projection: ZoneProjection,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(DNS_OPTIONS) options: DnsOptions,
    @Optional() metrics?: Metrics,
  ) {
    const server: WorkerServerOptions = {
      host: config.dnsHost,
      port: config.dnsPort,
      ttlSeconds: config.dnsTtlSeconds,
      negativeTtlSeconds: config.dnsNegativeTtlSeconds,
      forwarderSecret: config.dnsForwarderSecret || null,
      tcpMessageTimeoutMs: config.dnsTcpMessageTimeoutMs,
      maxTcpConnectionsPerClient: config.dnsTcpMaxPerClient,
    };
    const answers = metrics ? dnsAnswerMetrics(metrics) : undefined;
    const onError = (error: unknown) => {
      if (error instanceof ViewLaggingError) this.lagWarnings.note(error.message);
      else this.logger.warn(`dns: ${String(error)}`);
    };
    const workers = options.workers ?? 0;
    this.server =
      workers > 1
        ? new DnsWorkers({
            count: workers,
            server,
            view: projection,
            maxLagMs: config.projectionMaxLagMs,
            onError: (error, lagMs) => onError(lagMs === undefined ? error : new ViewLaggingError(lagMs)),
            ...(answers ? { onAnswers: answers.add } : {}),
            onExit: (pid, code, signal) => this.logger.warn(`dns worker ${pid} exited (code ${code}, signal ${signal}): restarting it`),
          })
        : new DnsServer({
            ...server,
            ...(answers ? { onAnswer: answers.answered } : {}),
            // A view lagging past PROJECTION_MAX_LAG_MS throws, which the server answers SERVFAIL.
            lookup: (networkId, qname, qtype) => projection.lookup(networkId, qname, qtype),
            onError,
          });
  }

  /** The answering workers, when there are (for tests). */
  get workers(): DnsWorkers | undefined {
    return this.server instanceof DnsWorkers ? this.server : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.server instanceof DnsWorkers) this.projection.follow(this.server);
    this.address = await this.server.start();
    const secured = this.config.dnsForwarderSecret ? 'views need the forwarder MAC' : 'no DNS_FORWARDER_SECRET: views open to anyone who knows a network id';
    const by = this.server instanceof DnsWorkers ? `${this.server.pids().length} answering workers` : 'this process';
    this.logger.log(`DNS listening on ${this.config.dnsHost}:${this.address.udpPort} (udp+tcp, ${by}; ${secured})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
