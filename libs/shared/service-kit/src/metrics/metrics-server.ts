// /metrics of a bus-only service, on its own small HTTP server: those
// services have no HTTP port of their own, and Prometheus scrapes each
// process. Every service has its own default port, so `npm start` (one
// process each) needs no setting; METRICS_PORT overrides it (0: ephemeral,
// as the test platforms use; `off`: none). A second instance on the same
// machine finds the default taken: it says so and runs without /metrics
// rather than crash a service over its metrics.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformConfig } from '../config.js';
import { PLATFORM_CONFIG } from '../platform-config.module.js';
import { Metrics } from './metrics.js';

export const DEFAULT_METRICS_PORTS: Readonly<Record<string, number>> = { resources: 9101, ipam: 9102, dns: 9103, billing: 9104 };

@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;
  /** `http://host:port/metrics` once listening. */
  url: string | undefined;

  constructor(
    private readonly metrics: Metrics,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort ?? DEFAULT_METRICS_PORTS[this.metrics.service];
    if (port === 'off' || port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      this.metrics.scrape().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.config.metricsHost, () => resolve());
      });
    } catch (error) {
      this.logger.warn(`no /metrics for this ${this.metrics.service} instance: ${this.config.metricsHost}:${port}: ${String(error)} (set METRICS_PORT)`);
      return;
    }
    this.server = server;
    const { address, family } = server.address() as AddressInfo;
    this.url = `http://${family === 'IPv6' ? `[${address}]` : address}:${(server.address() as AddressInfo).port}/metrics`;
    this.logger.log(`metrics on ${this.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
