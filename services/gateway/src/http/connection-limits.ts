// Connections one client may hold, and how long a request may take to
// arrive. Without these, about 20,000 idle connections from one address took
// every file descriptor of the process (every other request then failed),
// and a body trickled a byte at a time was held for minutes. Node's own
// headersTimeout/requestTimeout are set too, but it checks them only every
// 30 s (connectionsCheckingInterval, fixed when Nest makes the server), so
// the gateway keeps its own timer per connection, to the millisecond.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PlatformConfig } from '@pn/service-kit';
import { clientErrorResponse, type ClientErrorAnswer } from './client-error.js';

type Limits = Pick<PlatformConfig, 'gatewayMaxConnections' | 'gatewayMaxConnectionsPerClient' | 'gatewayHeadersTimeoutMs' | 'gatewayRequestTimeoutMs'>;

/** A refused connection that does not close itself is dropped after this. */
const REFUSED_LINGER_MS = 1_000;

export function limitConnections(server: Server, limits: Limits): void {
  server.headersTimeout = limits.gatewayHeadersTimeoutMs;
  server.requestTimeout = limits.gatewayRequestTimeoutMs;
  const perAddress = new Map<string, number>();
  let total = 0;
  // Node's HTTP handling of a connection is its 'connection' listener: it runs
  // only for an admitted one, so nothing of a refused connection is parsed or
  // reaches a route.
  const http = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const mine = perAddress.get(address) ?? 0;
    if (mine >= limits.gatewayMaxConnectionsPerClient) {
      return refuse(socket, `too many connections from your address (at most ${limits.gatewayMaxConnectionsPerClient}); reuse one, or close some`);
    }
    if (total >= limits.gatewayMaxConnections) return refuse(socket, 'the gateway holds as many connections as it takes; retry shortly');
    perAddress.set(address, mine + 1);
    total++;
    socket.once('close', () => {
      total--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    for (const listener of http) listener.call(server, socket);
    watchArrival(socket, limits);
  });
  // Before Express: headers are whole; the connection's watcher times the body from here.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => watchers.get(req.socket)?.({ req, res }));
}

const tooMany = (message: string): ClientErrorAnswer => ({ status: 503, code: 'too_many_connections', message });
const tooSlow: ClientErrorAnswer = { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };

function refuse(socket: Socket, message: string): void {
  socket.on('error', () => socket.destroy());
  // Read and drop what the client sends, so closing sends a FIN after the answer, not a reset before it.
  socket.resume();
  socket.end(clientErrorResponse(tooMany(message)));
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

type Pending = { req: IncomingMessage; res: ServerResponse };
const watchers = new WeakMap<Socket, (pending: Pending) => void>();

/**
 * One timer per connection: a request's headers must be whole within the
 * headers timeout of the connection's opening (or of the last answer, for the
 * next request on a kept-alive one), and the whole request, body included,
 * within the request timeout of the same moment (Node's meaning of both).
 * Waiting on the gateway's own answer is not timed here.
 */
function watchArrival(socket: Socket, limits: Limits): void {
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  // When the connection opened, or its last answer ended: the next request is timed from here.
  let waitingSince = performance.now();
  const arm = (ms: number, onTimeout: () => void) => {
    clearTimeout(timer);
    timer = setTimeout(onTimeout, Math.max(0, ms)).unref();
  };
  const headersLate = () => {
    if (inFlight > 0 || socket.destroyed) return;
    // No response has started on it: the 408 cannot corrupt one.
    socket.end(clientErrorResponse(tooSlow), () => socket.destroy());
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  };
  const bodyLate = ({ req, res }: Pending) => {
    if (req.complete || socket.destroyed) return;
    if (!res.headersSent) {
      const answer = JSON.stringify({ error: { code: tooSlow.code, message: `${tooSlow.message} (the whole request, within ${limits.gatewayRequestTimeoutMs} ms)` } });
      res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(answer), Connection: 'close' });
      res.end(answer, () => socket.destroy());
    }
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  };
  arm(limits.gatewayHeadersTimeoutMs, headersLate);
  socket.once('close', () => clearTimeout(timer));
  watchers.set(socket, (pending) => {
    inFlight++;
    if (!pending.req.complete) arm(limits.gatewayRequestTimeoutMs - (performance.now() - waitingSince), () => bodyLate(pending));
    else clearTimeout(timer);
    pending.req.once('end', () => inFlight > 0 && clearTimeout(timer));
    pending.res.once('close', () => {
      inFlight--;
      if (inFlight > 0 || socket.destroyed) return;
      waitingSince = performance.now();
      arm(limits.gatewayHeadersTimeoutMs, headersLate);
    });
  });
}
