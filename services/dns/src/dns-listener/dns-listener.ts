// The DNS server on its real sockets (UDP and TCP on DNS_HOST:DNS_PORT),
// answering from this instance's zone view. It opens only once the view has
// caught up, so a restarted instance never answers NXDOMAIN for a name that
// exists. Several instances may listen on one port (SO_REUSEPORT): each
// follows the zone streams itself and takes part in the fleet (dns-fleet.ts),
// so a change is answered by every one of them before it is reported done.
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DnsServer, type DnsServerAddress } from '@pn/dns-server';
import { Metrics, PLATFORM_CONFIG, type HealthNotes, type PlatformConfig } from '@pn/service-kit';
import { ViewLaggingError, ZoneProjection } from '../zone/zone.projection.js';
import { dnsAnswerMetrics } from './dns-metrics.js';
import { DNS_OPTIONS, type DnsOptions } from './dns-options.js';

@Injectable()
export class DnsListener implements OnApplicationBootstrap, OnApplicationShutdown, HealthNotes {
  readonly server: DnsServer;
  private readonly logger = new Logger(DnsListener.name);
  address: DnsServerAddress | undefined;
  /** One warning a second at most while lagging, not one per query. */
  private lastLagWarning = 0;

  constructor(
    projection: ZoneProjection,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(DNS_OPTIONS) options: DnsOptions,
    @Optional() metrics?: Metrics,
  ) {
    this.server = new DnsServer({
      host: config.dnsHost,
      port: config.dnsPort,
      ttlSeconds: config.dnsTtlSeconds,
      negativeTtlSeconds: config.dnsNegativeTtlSeconds,
      forwarderSecret: config.dnsForwarderSecret || null,
      tcpMessageTimeoutMs: config.dnsTcpMessageTimeoutMs,
      maxTcpConnectionsPerClient: config.dnsTcpMaxPerClient,
      ...(options.udp ? { udp: options.udp } : {}),
      ...(metrics ? { onAnswer: dnsAnswerMetrics(metrics) } : {}),
      // A view lagging past PROJECTION_MAX_LAG_MS (or a process that stalled) throws, which the server answers SERVFAIL.
      lookup: (networkId, qname, qtype) => projection.lookup(networkId, qname, qtype),
      onError: (error) => {
        if (!(error instanceof ViewLaggingError)) return this.logger.warn(`dns: ${String(error)}`);
        if (Date.now() - this.lastLagWarning < 1000) return;
        this.lastLagWarning = Date.now();
        this.logger.warn(error.message);
      },
    });
  }

  /** HealthNotes: what serves UDP, and why not the addon when it does not. */
  notes(): Record<string, string> {
    const { mode, reason } = this.server.udpServing;
    return { udp: reason === null ? mode : `${mode} (${reason})` };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.address = await this.server.start();
    const secured = this.config.dnsForwarderSecret ? 'views need the forwarder MAC' : 'no DNS_FORWARDER_SECRET: views open to anyone who knows a network id';
    const { mode, reason } = this.server.udpServing;
    const udp = mode === 'batched' ? 'udp batched (recvmmsg/sendmmsg)' : `udp on dgram, one system call per datagram: ${reason}`;
    const line = `DNS listening on ${this.config.dnsHost}:${this.address.udpPort} (${udp}; tcp; ${secured})`;
    if (mode === 'batched' || reason === 'dgram asked for') this.logger.log(line);
    else this.logger.warn(line);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
