// The DNS server on its real sockets (UDP and TCP on DNS_HOST:DNS_PORT),
// answering from the zone index. It opens only once the index has caught up,
// so a restarted instance never answers NXDOMAIN for a name that exists.
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DnsServer, type DnsServerAddress } from '@pn/dns-server';
import { Metrics, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { ViewLaggingError, ZoneProjection } from '../zone/zone.projection.js';
import { dnsAnswerMetrics } from './dns-metrics.js';

@Injectable()
export class DnsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: DnsServer;
  private readonly logger = new Logger(DnsListener.name);
  address: DnsServerAddress | undefined;
  /** One warning a second at most while lagging, not one per query. */
  private readonly lagWarnings = { last: 0, note: (message: string) => {
    if (Date.now() - this.lagWarnings.last < 1000) return;
    this.lagWarnings.last = Date.now();
    this.logger.warn(message);
  } };

  constructor(
    projection: ZoneProjection,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Optional() metrics?: Metrics,
  ) {
    this.server = new DnsServer({
      host: config.dnsHost,
      port: config.dnsPort,
      ttlSeconds: config.dnsTtlSeconds,
      negativeTtlSeconds: config.dnsNegativeTtlSeconds,
      forwarderSecret: config.dnsForwarderSecret,
      tcpMessageTimeoutMs: config.dnsTcpMessageTimeoutMs,
      maxTcpConnectionsPerClient: config.dnsTcpMaxPerClient,
      ...(metrics ? { onAnswer: dnsAnswerMetrics(metrics) } : {}),
      // A view lagging past PROJECTION_MAX_LAG_MS throws, which the server answers SERVFAIL.
      lookup: (networkId, qname, qtype) => projection.lookup(networkId, qname, qtype),
      onError: (error) => {
        if (error instanceof ViewLaggingError) this.lagWarnings.note(error.message);
        else this.logger.warn(`dns: ${String(error)}`);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.address = await this.server.start();
    const secured = this.config.dnsForwarderSecret ? 'views need the forwarder MAC' : 'no DNS_FORWARDER_SECRET: views open to anyone who knows a network id';
    this.logger.log(`DNS listening on ${this.config.dnsHost}:${this.address.udpPort} (udp+tcp; ${secured})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
