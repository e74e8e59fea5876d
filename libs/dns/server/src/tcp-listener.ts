// The TCP side (RFC 7766): 2-byte length-prefixed messages, several per
// connection, answered in order.
//
// Connections are a scarce resource a single client could otherwise hoard,
// so two rules bound what one client can hold:
// - deadlines that sending cannot extend: a connection must start a message
//   within `idleTimeoutMs` of opening or of our previous answer, and that
//   message must be whole within `messageTimeoutMs` of its first byte. (An
//   inactivity timeout would be reset by every byte: a client trickling one
//   byte every few seconds could keep a connection forever.)
// - admission per source address (see tcp-admission.ts): at most
//   `maxConnectionsPerClient` each, and a full server makes room for a lighter
//   client rather than refusing everyone new.

import net from 'node:net';
import { HEADER_SIZE, Rcode } from './wire/constants.js';
import type { Responder } from './responder.js';
import { ConnectionTable } from './tcp-admission.js';

export interface TcpListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Wait for the first byte of a message, after opening or after an answer. */
  readonly idleTimeoutMs: number;
  /** A message must be whole this long after its first byte. */
  readonly messageTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  readonly onError: (error: unknown) => void;
}

export interface TcpListener {
  readonly server: net.Server;
  close(): Promise<void>;
}

export async function listenTcp(responder: Responder, options: TcpListenerOptions): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const table = new ConnectionTable<net.Socket>({
    maxConnections: options.maxConnections,
    maxPerClient: options.maxConnectionsPerClient,
  });
  // No server.maxConnections: Node would drop the newcomer before we could
  // weigh it against the clients already connected.
  const server = net.createServer({ noDelay: true }, (socket) => {
    const client = clientOf(socket);
    if (client === null) {
      socket.destroy();
      return;
    }
    const admission = table.admit(client, socket);
    if (!admission.admitted) {
      // Closed at once: holding it open until a timeout would be the very hoarding we refuse.
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    admission.evict?.destroy();
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      table.release(client, socket);
    });
    serveConnection(socket, responder, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // SO_REUSEPORT: several dns instances share the port; the kernel spreads connections over them.
    server.listen({ port: options.port, host: options.host, reusePort: true }, () => {
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

// `::ffff:1.2.3.4` and `1.2.3.4` are one client on a dual-stack socket.
function clientOf(socket: net.Socket): string | null {
  const address = socket.remoteAddress;
  if (address === undefined) return null;
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function serveConnection(socket: net.Socket, responder: Responder, options: TcpListenerOptions): void {
  // Bytes of a frame that has not fully arrived yet.
  let pending: Buffer | null = null;
  let waitingForDrain = false;
  // Set once we decided to close; data still in flight is ignored.
  let finished = false;

  // One deadline at a time; re-armed only when a message starts or is answered,
  // never merely because bytes arrived.
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = (ms: number) => {
    clearTimeout(deadline);
    deadline = setTimeout(() => socket.destroy(), ms);
  };
  armDeadline(options.idleTimeoutMs);
  socket.on('close', () => clearTimeout(deadline));

  // Resets by the peer are routine; they only end this connection.
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    // A chunk that arrives between messages starts one.
    if (pending === null) armDeadline(options.messageTimeoutMs);
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let off = 0;
    let answered = false;
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
      // A malformed query still gets its FORMERR, so the client learns why, then
      // the stream ends (the armed deadline reaps a peer that never closes its side).
      if ((out[2 + 3]! & 0xf) === Rcode.FORMERR) {
        finished = true;
        socket.end(out);
        return;
      }
      answered = true;
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
    if (answered) {
      // Nothing left: wait for the next message. A partial frame left over
      // began in this chunk, so its own deadline starts now.
      armDeadline(pending === null ? options.idleTimeoutMs : options.messageTimeoutMs);
    }
  });
}
