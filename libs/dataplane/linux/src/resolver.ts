// Each network's resolver at its `.2`, UDP and TCP port 53: sockets bound in
// the network's namespace (sockets.ts), served here. A query gets the
// network's option 65001 and goes to the dns service; the answer goes back
// as it came.
import dgram from 'node:dgram';
import net from 'node:net';
import { networkOption, withNetworkOption } from './dns-option.js';
import { closeAll, openSockets, type OpenedSocket } from './sockets.js';

export interface DnsUpstream {
  readonly host: string;
  readonly port: number;
  readonly forwarderSecret?: string | null;
}

const UPSTREAM_TIMEOUT_MS = 3000;

interface Served {
  readonly namespaceId: string;
  readonly sockets: OpenedSocket[];
  readonly connections: Set<net.Socket>;
}

export class Resolvers {
  private readonly served = new Map<string, Served>();

  constructor(
    private readonly opener: string,
    private readonly upstream: DnsUpstream,
  ) {}

  has(networkId: string, namespaceId: string): boolean {
    return this.served.get(networkId)?.namespaceId === namespaceId;
  }

  /** Serves `networkId`'s resolver at `address` in `namespace`; `namespaceId` tells a recreated namespace from the one already served. */
  async serve(networkId: string, namespace: string, address: string, namespaceId: string): Promise<void> {
    if (this.has(networkId, namespaceId)) return;
    this.close(networkId);
    const sockets = await openSockets(this.opener, namespace, [
      { kind: 'udp', host: address, port: 53 },
      { kind: 'tcp', host: address, port: 53 },
    ]);
    const option = networkOption(networkId, this.upstream.forwarderSecret);
    const connections = new Set<net.Socket>();
    for (const s of sockets) {
      // A socket error (a send to a vanished client) must not take the agent down.
      if (s.kind === 'udp') {
        s.socket.on('error', () => undefined);
        s.socket.on('message', (query, from) => this.answerUdp(s.socket, query, from, option));
      } else {
        s.server.on('error', () => undefined);
        s.server.on('connection', (client) => {
          connections.add(client);
          client.on('close', () => connections.delete(client));
          this.answerTcp(client, option);
        });
      }
    }
    this.served.set(networkId, { namespaceId, sockets, connections });
  }

  close(networkId: string): void {
    const served = this.served.get(networkId);
    if (!served) return;
    closeAll(served.sockets);
    for (const c of served.connections) c.destroy();
    this.served.delete(networkId);
  }

  networks(): string[] {
    return [...this.served.keys()];
  }

  closeAll(): void {
    for (const id of this.networks()) this.close(id);
  }

  private answerUdp(socket: dgram.Socket, query: Buffer, from: dgram.RemoteInfo, option: Buffer): void {
    const rewritten = withNetworkOption(query, option);
    if (!rewritten) return;
    const up = dgram.createSocket('udp4');
    let open = true;
    const done = () => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      up.close();
    };
    const timer = setTimeout(done, UPSTREAM_TIMEOUT_MS);
    up.on('error', done);
    up.on('message', (answer) => {
      done();
      try {
        socket.send(answer, from.port, from.address);
      } catch {
        // The resolver was closed meanwhile (network removed): the answer is dropped.
      }
    });
    up.send(rewritten, this.upstream.port, this.upstream.host);
  }

  private answerTcp(client: net.Socket, option: Buffer): void {
    let pending = Buffer.alloc(0);
    client.setTimeout(10_000, () => client.destroy());
    client.on('error', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const query = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + query.length);
        const rewritten = withNetworkOption(query, option);
        if (!rewritten) return client.destroy();
        void this.exchangeTcp(rewritten).then(
          (answer) => client.writable && client.write(frame(answer)),
          () => client.destroy(),
        );
      }
    });
  }

  private exchangeTcp(query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const up = net.connect({ host: this.upstream.host, port: this.upstream.port });
      let got = Buffer.alloc(0);
      up.setTimeout(UPSTREAM_TIMEOUT_MS, () => up.destroy(new Error('dns upstream timed out')));
      up.on('error', reject);
      up.on('connect', () => up.write(frame(query)));
      up.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
          resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
          up.end();
        }
      });
      up.on('close', () => reject(new Error('dns upstream closed')));
    });
  }
}

function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}
