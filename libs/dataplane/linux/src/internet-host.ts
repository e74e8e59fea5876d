// The development internet's one host (198.51.100.10 by default), port 80:
// `GET /bytes/N` answers N bytes, `GET /ip` the address it was reached from;
// every answer carries that address in `x-client-address`, so a test sees
// which source address egress NAT gave a VM.
import http from 'node:http';
import type net from 'node:net';
import { closeAll, openSockets, type OpenedSocket } from './sockets.js';

const MAX_BYTES = 1 << 30;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

export async function serveInternetHost(opener: string, namespace: string, address: string): Promise<() => void> {
  const server = http.createServer((req, res) => {
    const client = req.socket.remoteAddress ?? '';
    res.setHeader('x-client-address', client);
    const bytes = /^\/bytes\/(\d{1,10})$/.exec(req.url ?? '');
    if (req.url === '/ip') return res.end(`${client}\n`);
    if (!bytes || Number(bytes[1]) > MAX_BYTES) return res.writeHead(404).end();
    let left = Number(bytes[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
    const pump = () => {
      while (left > 0) {
        const chunk = CHUNK.subarray(0, Math.min(left, CHUNK.length));
        left -= chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const sockets: OpenedSocket[] = await openSockets(opener, namespace, [{ kind: 'tcp', host: address, port: 80 }]);
  (sockets[0] as { server: net.Server }).server.on('connection', (c) => server.emit('connection', c));
  return () => {
    closeAll(sockets);
    server.closeAllConnections();
  };
}
