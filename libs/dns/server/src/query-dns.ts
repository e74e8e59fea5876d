// A small DNS client over real sockets, for tests and tools that need to ask
// the server the way a forwarder would (network id in EDNS option 65001).

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net, { isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import { NETWORK_ID_OPTION_CODE } from './wire/constants.js';
import { networkOptionData } from './wire/network-option.js';

export interface QueryDnsOptions {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /** Default `A`. */
  readonly type?: dnsPacket.RecordType;
  /** Sent as EDNS option 65001; absent → the query carries no network option. */
  readonly networkId?: string;
  /** The forwarder secret: the option then carries the id's MAC too. */
  readonly forwarderSecret?: string;
  readonly transport: 'udp' | 'tcp';
  readonly timeoutMs?: number;
  /** Send an OPT record at all; default true. */
  readonly edns?: boolean;
  /** UDP size advertised in the OPT; default 1232. */
  readonly udpPayloadSize?: number;
}

export function encodeDnsQuery(options: Omit<QueryDnsOptions, 'host' | 'port' | 'transport' | 'timeoutMs'> & { id: number }): Buffer {
  const packet: dnsPacket.Packet = {
    type: 'query',
    id: options.id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: options.type ?? 'A', name: options.name, class: 'IN' }],
  };
  if (options.edns ?? true) {
    const networkOption =
      options.networkId === undefined ? [] : [{ code: NETWORK_ID_OPTION_CODE, data: networkOptionData(options.networkId, options.forwarderSecret) }];
    packet.additionals = [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: options.udpPayloadSize ?? 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        // dns-packet's option type only lists well-known codes; any code with raw data encodes fine.
        options: networkOption as unknown as dnsPacket.PacketOpt[],
      },
    ];
  }
  return dnsPacket.encode(packet);
}

/** Sends one query and resolves with the decoded response (any rcode); rejects on timeout. */
export function queryDns(options: QueryDnsOptions): Promise<dnsPacket.DecodedPacket> {
  const id = randomInt(0, 0x10000);
  const query = encodeDnsQuery({ ...options, id });
  const timeoutMs = options.timeoutMs ?? 2000;
  const response =
    options.transport === 'udp'
      ? exchangeUdp(options.host, options.port, query, id, timeoutMs)
      : exchangeTcp(options.host, options.port, query, timeoutMs);
  return response.then((bytes) => dnsPacket.decode(bytes));
}

/** Raw UDP exchange: resolves with the first datagram whose id matches. */
export function exchangeUdp(host: string, port: number, query: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DNS query to ${host}:${port}/udp timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('message', (msg) => {
      // Ignore stray datagrams: only our id answers our question.
      if (msg.length < 2 || msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      resolve(msg);
    });
    socket.send(query, port, host);
  }).finally(() => socket.close());
}

/** Raw TCP exchange of one framed message on a fresh connection. */
export function exchangeTcp(host: string, port: number, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const socket = net.connect({ host, port });
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DNS query to ${host}:${port}/tcp timed out after ${timeoutMs} ms`)), timeoutMs);
    let received = Buffer.alloc(0);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`DNS server ${host}:${port}/tcp closed the connection without a full answer`));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const len = received.readUInt16BE(0);
      if (received.length < 2 + len) return;
      clearTimeout(timer);
      resolve(received.subarray(2, 2 + len));
    });
    const frame = Buffer.allocUnsafe(2 + query.length);
    frame.writeUInt16BE(query.length, 0);
    query.copy(frame, 2);
    socket.write(frame);
  }).finally(() => socket.destroy());
}

// Reading decoded responses: @types/dns-packet lacks `rcode`, and answers are
// a union whose A data needs narrowing.
export const rcodeOf = (p: dnsPacket.DecodedPacket): string => (p as unknown as { rcode: string }).rcode;

export const addressesOf = (p: dnsPacket.DecodedPacket): string[] =>
  (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
