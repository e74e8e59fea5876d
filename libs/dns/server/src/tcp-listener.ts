// The TCP side (RFC 7766): 2-byte length-prefixed messages, several per
// connection, answered in order; idle connections are closed.

import net from 'node:net';
import { HEADER_SIZE, Rcode } from './wire/constants.js';
import type { Responder } from './responder.js';

export interface TcpListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly onError: (error: unknown) => void;
}

export interface TcpListener {
  readonly server: net.Server;
  close(): Promise<void>;
}

export async function listenTcp(responder: Responder, options: TcpListenerOptions): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, responder, options);
  });
  server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', options.onError);
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serveConnection(socket: net.Socket, responder: Responder, options: TcpListenerOptions): void {
  // Bytes of a frame that has not fully arrived yet.
  let pending: Buffer | null = null;
  let waitingForDrain = false;
  // Set once we decided to close; data still in flight is ignored.
  let finished = false;

  socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
  // Resets by the peer are routine; they only end this connection.
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let off = 0;
    while (buf.length - off >= 2) {
      const len = (buf[off]! << 8) | buf[off + 1]!;
      if (buf.length - off - 2 < len) break;
      const msg = buf.subarray(off + 2, off + 2 + len);
      off += 2 + len;
      let out: Buffer | null;
      try {
        out = len < HEADER_SIZE ? null : responder.respond(msg, 'tcp');
      } catch (error) {
        options.onError(error);
        out = null;
      }
      // Once the stream holds garbage the framing can no longer be trusted: close.
      if (out === null) {
        finished = true;
        socket.destroy();
        return;
      }
      // A malformed query still gets its FORMERR, so the client learns why, then the stream ends.
      if ((out[2 + 3]! & 0xf) === Rcode.FORMERR) {
        finished = true;
        socket.end(out);
        return;
      }
      if (!socket.write(out) && !waitingForDrain) {
        // The client sends faster than it reads: stop reading until it catches up.
        waitingForDrain = true;
        socket.pause();
        socket.once('drain', () => {
          waitingForDrain = false;
          socket.resume();
        });
      }
    }
    // Copy the tail so a small partial frame does not pin a large chunk.
    pending = off === buf.length ? null : Buffer.from(buf.subarray(off));
  });
}
