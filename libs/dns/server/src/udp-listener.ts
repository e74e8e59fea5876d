// The UDP side on node:dgram, where the batched-UDP addon cannot load: one
// datagram in, at most one datagram out, one system call each.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Responder } from './responder.js';

export interface UdpListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly recvBufferSize?: number;
  readonly onError: (error: unknown) => void;
}

export async function listenUdp(responder: Responder, options: UdpListenerOptions): Promise<dgram.Socket> {
  const socket = dgram.createSocket({
    type: isIPv6(options.host) ? 'udp6' : 'udp4',
    // SO_REUSEPORT: several dns instances share the port (Node ≥ 22.12).
    reusePort: true,
    ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }),
  });
  await new Promise<void>((resolve, reject) => {
    const onBindError = (error: Error) => reject(error);
    socket.once('error', onBindError);
    socket.bind(options.port, options.host, () => {
      socket.off('error', onBindError);
      resolve();
    });
  });
  // Send failures (e.g. ICMP-unreachable clients) must never take the server down.
  socket.on('error', options.onError);
  socket.on('message', (msg, rinfo) => {
    let out: Buffer | null;
    try {
      out = responder.respond(msg, 'udp');
    } catch (error) {
      // Parsing is written not to throw; this is the last line against a crash on garbage.
      options.onError(error);
      return;
    }
    if (out !== null) socket.send(out, rinfo.port, rinfo.address);
  });
  return socket;
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
