// The DNS server: one Responder behind a UDP socket and a TCP listener that
// share a port number, as resolvers expect to retry a truncated answer over
// TCP on the port they just used.

import type dgram from 'node:dgram';
import type { Lookup } from './lookup.js';
import { Responder } from './responder.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { closeUdp, listenUdp } from './udp-listener.js';

export interface DnsServerOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks an ephemeral port, the same one for UDP and TCP. */
  readonly port: number;
  readonly lookup: Lookup;
  /** TTL of A records; default 5. */
  readonly ttlSeconds?: number;
  /** TTL and minimum of the SOA in NXDOMAIN/NODATA, i.e. how long misses are cached; default 5. */
  readonly negativeTtlSeconds?: number;
  /** Zone of that SOA; default `internal`. */
  readonly zone?: string;
  /** UDP payload size we advertise and the most we send over UDP; default 1232 (DNS flag day 2020). */
  readonly maxUdpPayloadSize?: number;
  /** Close TCP connections idle this long; default 10 s. */
  readonly tcpIdleTimeoutMs?: number;
  /** Default 1024. */
  readonly maxTcpConnections?: number;
  /** SO_RCVBUF for the UDP socket; OS default when absent. */
  readonly udpRecvBufferSize?: number;
  /** Lookup throws, bad lookup results and socket errors land here; default: ignored. */
  readonly onError?: (error: unknown) => void;
}

export interface DnsServerAddress {
  readonly udpPort: number;
  readonly tcpPort: number;
}

// When port 0 hands UDP a port whose TCP twin is taken, try another one.
const EPHEMERAL_BIND_ATTEMPTS = 20;

export class DnsServer {
  private readonly responder: Responder;
  private udp: dgram.Socket | null = null;
  private tcp: TcpListener | null = null;

  constructor(private readonly options: DnsServerOptions) {
    const ttlSeconds = options.ttlSeconds ?? 5;
    const negativeTtlSeconds = options.negativeTtlSeconds ?? 5;
    for (const [name, value] of [['ttlSeconds', ttlSeconds], ['negativeTtlSeconds', negativeTtlSeconds]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
        throw new RangeError(`${name} must be an integer from 0 to 2^31-1, got ${value}`);
      }
    }
    this.responder = new Responder({
      lookup: options.lookup,
      ttlSeconds,
      negativeTtlSeconds,
      zone: options.zone ?? 'internal',
      maxUdpPayloadSize: Math.max(512, Math.min(options.maxUdpPayloadSize ?? 1232, 65535)),
      onError: options.onError ?? (() => {}),
    });
  }

  async start(): Promise<DnsServerAddress> {
    if (this.udp !== null) throw new Error('DnsServer already started');
    const host = this.options.host ?? '127.0.0.1';
    const onError = this.options.onError ?? (() => {});
    const attempts = this.options.port === 0 ? EPHEMERAL_BIND_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      const udp = await listenUdp(this.responder, {
        host,
        port: this.options.port,
        onError,
        ...(this.options.udpRecvBufferSize === undefined ? {} : { recvBufferSize: this.options.udpRecvBufferSize }),
      });
      const port = udp.address().port;
      try {
        this.tcp = await listenTcp(this.responder, {
          host,
          port,
          idleTimeoutMs: this.options.tcpIdleTimeoutMs ?? 10_000,
          maxConnections: this.options.maxTcpConnections ?? 1024,
          onError,
        });
        this.udp = udp;
        return { udpPort: port, tcpPort: port };
      } catch (error) {
        await closeUdp(udp);
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) throw error;
      }
    }
  }

  /** Stops listening and drops open TCP connections. Safe to call twice. */
  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = null;
    this.tcp = null;
    await Promise.all([udp === null ? undefined : closeUdp(udp), tcp?.close()]);
  }
}
