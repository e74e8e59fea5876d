// One client cannot take the gateway down (issue 18, item 9), with real
// sockets on loopback: past its per-address cap a connection is answered 503
// while another address is still served; past the total cap every address
// is; headers or a body trickled a byte at a time are cut off at their
// timeout, while the same request sent whole is served. Each test uses its
// own loopback addresses (127.0.0.x), so connections the suite's other
// clients hold from 127.0.0.1 never count against it.
import { describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { usePlatform } from '../support/platform.js';

const PER_CLIENT = 4;
const TOTAL = 10;
const HEADERS_MS = 1_500;
const REQUEST_MS = 2_500;

const ctx = usePlatform('connection limits', {
  env: {
    GATEWAY_MAX_CONNECTIONS: String(TOTAL),
    GATEWAY_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
    GATEWAY_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    GATEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
  },
});

interface Conn {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  text(): string;
  /** Resolves with what the server sent, and when (ms after opening), once it closes the connection. */
  readonly closed: Promise<{ text: string; afterMs: number }>;
}

const opened: Socket[] = [];
ctx.beforeStop(async () => opened.forEach((s) => s.destroy()));

async function open(from: string): Promise<Conn> {
  const { port } = new URL(ctx.platform.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: from });
  opened.push(socket);
  const started = performance.now();
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => socket.on('close', () => resolve({ text, afterMs: performance.now() - started })));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, text: () => text, closed };
}

/** A GET the gateway answers without a key (401): proof a connection is served. */
async function served(from: string): Promise<string> {
  const conn = await open(from);
  conn.socket.write('GET /v1/hosting/vms HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
  return (await conn.closed).text.split('\r\n')[0];
}

const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('connections per client address and in total', () => {
  it('answers 503 past the per-address cap; another address is still served, and a freed slot is reused', async () => {
    const held = await Promise.all(Array.from({ length: PER_CLIENT }, () => open('127.0.0.5')));
    await settle();
    expect(held.map((c) => c.text())).toEqual(held.map(() => ''));

    const refused = await open('127.0.0.5');
    const { text, afterMs } = await refused.closed;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('too_many_connections');
    expect(afterMs).toBeLessThan(1_000);

    // Positive control: another address is served meanwhile.
    expect(await served('127.0.0.6')).toMatch(/^HTTP\/1\.1 401 /);
    // And the capped address is served again once it lets one go.
    held[0].socket.destroy();
    await held[0].closed;
    await settle();
    expect(await served('127.0.0.5')).toMatch(/^HTTP\/1\.1 401 /);
    held.forEach((c) => c.socket.destroy());
    await Promise.all(held.map((c) => c.closed));
  }, 15_000);

  it('answers 503 to every address past the total cap', async () => {
    await settle(300);
    const held = [];
    for (let i = 0; held.length < TOTAL - 1; i++) held.push(...(await Promise.all(Array.from({ length: Math.min(PER_CLIENT - 1, TOTAL - 1 - held.length) }, () => open(`127.0.0.${20 + i}`)))));
    await settle();
    expect(held.every((c) => c.text() === '')).toBe(true);
    // The last slot (positive control), then none left for a fresh address.
    expect((await served('127.0.0.40')).startsWith('HTTP/1.1 401 ')).toBe(true);
    held.push(await open('127.0.0.41'));
    await settle();
    const refused = await open('127.0.0.42');
    expect((await refused.closed).text).toMatch(/^HTTP\/1\.1 503 /);
    held.forEach((c) => c.socket.destroy());
    await Promise.all(held.map((c) => c.closed));
  }, 15_000);
});

describe('requests that arrive too slowly', () => {
  const post = (length: number) =>
    `POST /v1/hosting/vms HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

  it('cuts off a body trickled a byte at a time at the request timeout; the same body sent whole is answered', async () => {
    const body = JSON.stringify({ name: 'trickled-vm-with-a-rather-long-name-to-trickle' });
    const whole = await open('127.0.0.7');
    whole.socket.write(post(body.length) + body);
    // No key: 401, after reading the whole body (positive control: not a 408).
    expect((await whole.closed).text).toMatch(/^HTTP\/1\.1 401 /);

    const slow = await open('127.0.0.8');
    slow.socket.write(post(body.length));
    let sent = 0;
    const trickle = setInterval(() => !slow.socket.destroyed && sent < body.length && slow.socket.write(body[sent++]), 100);
    const { text, afterMs } = await slow.closed;
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(body.length);
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(afterMs).toBeLessThan(REQUEST_MS + 1_500);
  }, 15_000);

  it('cuts off headers trickled a byte at a time, and a connection that sends nothing, at the headers timeout', async () => {
    const head = 'GET /v1/hosting/vms HTTP/1.1\r\nHost: gw\r\nX-Padding: ' + 'x'.repeat(200) + '\r\n\r\n';
    const slow = await open('127.0.0.9');
    let sent = 0;
    const trickle = setInterval(() => !slow.socket.destroyed && sent < head.length && slow.socket.write(head[sent++]), 50);
    const idle = await open('127.0.0.10');
    const [cut, silent] = await Promise.all([slow.closed, idle.closed]);
    clearInterval(trickle);
    for (const { text, afterMs } of [cut, silent]) {
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
      expect(afterMs).toBeLessThan(HEADERS_MS + 1_500);
    }
    expect(sent).toBeLessThan(head.length);
  }, 15_000);
});
