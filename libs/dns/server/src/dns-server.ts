// The DNS server: one Responder behind a UDP socket and a TCP listener that
// share a port number, as resolvers expect to retry a truncated answer over
// TCP on the port they just used. UDP goes through the batched-UDP addon
// (batch-udp.ts), or node:dgram where it cannot load. Both sockets set
// SO_REUSEPORT: several dns instances may listen on one port, each answering
// what the kernel hands it.

import type dgram from 'node:dgram';
import { batchUdpUnavailable, listenBatchedUdp, MAX_BATCHED_UDP_ANSWER, type BatchUdpSocket, type BatchUdpStats } from './batch-udp.js';
import type { Lookup } from './lookup.js';
import { Responder } from './responder.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { closeUdp, listenUdp } from './udp-listener.js';

/**
 * How UDP is served: `batched` (the addon; it must load), `dgram`, or `auto`
 * (the addon where it loads, else dgram).
 */
export type UdpMode = 'auto' | 'batched' | 'dgram';

/** What UDP is served by, and why not by the addon when it is not. */
export interface UdpServing {
  readonly mode: 'batched' | 'dgram';
  readonly reason: string | null;
}

export interface DnsServerOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks an ephemeral port, the same one for UDP and TCP. */
  readonly port: number;
  readonly lookup: Lookup;
  /** TTL of A records; default 5. */
  readonly ttlSeconds?: number;
  /**
   * TTL and minimum of every SOA, i.e. how long resolvers cache a miss
   * (NXDOMAIN, NODATA); default 1, so a name asked for just before it exists
   * resolves a second later at most.
   */
  readonly negativeTtlSeconds?: number;
  /** When set, option 65001 must carry the network id and its HMAC under this secret (see wire/network-option.ts). */
  readonly forwarderSecret?: string | null;
  /** UDP payload size we advertise and the most we send over UDP, 512 to 4,096; default 1232 (DNS flag day 2020). */
  readonly maxUdpPayloadSize?: number;
  /** Default `auto`. */
  readonly udp?: UdpMode;
  /** SO_SNDBUF of the batched UDP socket; OS default when absent. */
  readonly udpSendBufferSize?: number;
  /**
   * A TCP message must arrive whole this long after its first byte, however
   * the client paces its bytes; default 2 s.
   */
  readonly tcpMessageTimeoutMs?: number;
  /**
   * Close a TCP connection that has not started a message this long after
   * opening or after our previous answer; default: tcpMessageTimeoutMs.
   */
  readonly tcpIdleTimeoutMs?: number;
  /** TCP connections open at once; when full, a lighter client still gets in (see tcp-admission.ts); default 1024. */
  readonly maxTcpConnections?: number;
  /** TCP connections one source address may hold; more are closed at once; default 16. */
  readonly maxTcpConnectionsPerClient?: number;
  /** SO_RCVBUF for the UDP socket; OS default when absent. */
  readonly udpRecvBufferSize?: number;
  /** Lookup throws, bad lookup results and socket errors land here; default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** Told of every answer sent: its rcode (Rcode) and how long it took to make, in ms. For metrics. */
  readonly onAnswer?: (rcode: number, ms: number) => void;
}

export interface DnsServerAddress {
  readonly udpPort: number;
  readonly tcpPort: number;
}

/** What a DnsServer uses for the TCP options left out. */
export const TCP_DEFAULTS = {
  messageTimeoutMs: 2_000,
  maxConnections: 1024,
  maxConnectionsPerClient: 16,
} as const;

// When port 0 hands UDP a port whose TCP twin is taken, try another one.
const EPHEMERAL_BIND_ATTEMPTS = 20;

export class DnsServer {
  private readonly responder: Responder;
  private udp: { batched: BatchUdpSocket } | { dgram: dgram.Socket } | null = null;
  private tcp: TcpListener | null = null;

  constructor(private readonly options: DnsServerOptions) {
    const ttlSeconds = options.ttlSeconds ?? 5;
    const negativeTtlSeconds = options.negativeTtlSeconds ?? 1;
    for (const [name, value] of [['ttlSeconds', ttlSeconds], ['negativeTtlSeconds', negativeTtlSeconds]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
        throw new RangeError(`${name} must be an integer from 0 to 2^31-1, got ${value}`);
      }
    }
    for (const name of ['tcpMessageTimeoutMs', 'tcpIdleTimeoutMs', 'maxTcpConnections', 'maxTcpConnectionsPerClient'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
      }
    }
    this.responder = new Responder({
      lookup: options.lookup,
      ttlSeconds,
      negativeTtlSeconds,
      forwarderSecret: options.forwarderSecret ?? null,
      maxUdpPayloadSize: Math.max(512, Math.min(options.maxUdpPayloadSize ?? 1232, MAX_BATCHED_UDP_ANSWER)),
      onError: options.onError ?? (() => {}),
      onAnswer: options.onAnswer,
    });
  }

  async start(): Promise<DnsServerAddress> {
    if (this.udp !== null) throw new Error('DnsServer already started');
    const host = this.options.host ?? '127.0.0.1';
    const onError = this.options.onError ?? (() => {});
    const attempts = this.options.port === 0 ? EPHEMERAL_BIND_ATTEMPTS : 1;
    const messageTimeoutMs = this.options.tcpMessageTimeoutMs ?? TCP_DEFAULTS.messageTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.listenUdp(host);
      const port = 'batched' in udp ? udp.batched.port : udp.dgram.address().port;
      try {
        this.tcp = await listenTcp(this.responder, {
          host,
          port,
          messageTimeoutMs,
          idleTimeoutMs: this.options.tcpIdleTimeoutMs ?? messageTimeoutMs,
          maxConnections: this.options.maxTcpConnections ?? TCP_DEFAULTS.maxConnections,
          maxConnectionsPerClient: this.options.maxTcpConnectionsPerClient ?? TCP_DEFAULTS.maxConnectionsPerClient,
          onError,
        });
        this.udp = udp;
        return { udpPort: port, tcpPort: port };
      } catch (error) {
        await closeUdpOf(udp);
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) throw error;
      }
    }
  }

  /** What serves UDP: known from the start, as the addon loads (or not) with this module. */
  get udpServing(): UdpServing {
    const mode = this.options.udp ?? 'auto';
    if (mode === 'dgram') return { mode: 'dgram', reason: 'dgram asked for' };
    const unavailable = batchUdpUnavailable();
    return unavailable === null ? { mode: 'batched', reason: null } : { mode: 'dgram', reason: unavailable };
  }

  /** The batched socket's counters, or null on dgram (for tests and reports). */
  udpStats(): BatchUdpStats | null {
    return this.udp !== null && 'batched' in this.udp ? this.udp.batched.stats() : null;
  }

  /** Stops listening and drops open TCP connections. Safe to call twice. */
  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = null;
    this.tcp = null;
    await Promise.all([udp === null ? undefined : closeUdpOf(udp), tcp?.close()]);
  }

  private async listenUdp(host: string): Promise<{ batched: BatchUdpSocket } | { dgram: dgram.Socket }> {
    const onError = this.options.onError ?? (() => {});
    const recvBufferSize = this.options.udpRecvBufferSize;
    if (this.options.udp === 'batched' && batchUdpUnavailable() !== null) throw new Error(batchUdpUnavailable()!);
    if (this.udpServing.mode === 'batched') {
      const sendBufferSize = this.options.udpSendBufferSize;
      return {
        batched: listenBatchedUdp(this.responder, {
          host,
          port: this.options.port,
          onError,
          ...(recvBufferSize === undefined ? {} : { recvBufferSize }),
          ...(sendBufferSize === undefined ? {} : { sendBufferSize }),
        }),
      };
    }
    return { dgram: await listenUdp(this.responder, { host, port: this.options.port, onError, ...(recvBufferSize === undefined ? {} : { recvBufferSize }) }) };
  }
}

async function closeUdpOf(udp: { batched: BatchUdpSocket } | { dgram: dgram.Socket }): Promise<void> {
  if ('batched' in udp) udp.batched.close();
  else await closeUdp(udp.dgram);
}
