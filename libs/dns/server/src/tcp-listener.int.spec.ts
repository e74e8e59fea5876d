import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DnsServer } from './dns-server.js';
import { encodeDnsQuery } from './query-dns.js';
import { frame, TcpSession } from './testing/tcp-session.js';
import { addressesOf } from './testing/answers.js';
import { tableLookup } from './testing/table-lookup.js';

const lookup = tableLookup({ net_a: { 'a.internal': ['10.0.0.1'], 'b.internal': ['10.0.0.2'], 'c.internal': ['10.0.0.3'] } });
const server = new DnsServer({ port: 0, lookup, tcpIdleTimeoutMs: 300 });
let port = 0;
const sessions: TcpSession[] = [];

const open = async () => {
  const session = await TcpSession.open(port);
  sessions.push(session);
  return session;
};
const query = (id: number, name: string) => encodeDnsQuery({ id, name, networkId: 'net_a' });

beforeAll(async () => {
  port = (await server.start()).tcpPort;
});
afterAll(async () => {
  for (const s of sessions) s.close();
  await server.stop();
});

describe('DNS over TCP', () => {
  it('answers several queries on one connection, in order', async () => {
    const session = await open();
    session.sendFrame(query(1, 'a.internal'));
    const first = await session.nextAnswer();
    // Pipelined: two frames in one write.
    session.sendRaw(Buffer.concat([frame(query(2, 'b.internal')), frame(query(3, 'c.internal'))]));

    const rest = [await session.nextAnswer(), await session.nextAnswer()];

    expect([first, ...rest].map((p) => [p.id, addressesOf(p)[0]])).toEqual([
      [1, '10.0.0.1'],
      [2, '10.0.0.2'],
      [3, '10.0.0.3'],
    ]);
  });

  it('reassembles frames that arrive in pieces, even the length prefix', async () => {
    const session = await open();
    const bytes = frame(query(7, 'b.internal'));
    for (const byte of bytes) {
      session.sendRaw(Buffer.from([byte]));
      await sleep(1); // separate TCP segments, not one coalesced write
    }

    const answer = await session.nextAnswer();

    expect(answer).toMatchObject({ id: 7, answers: [{ data: '10.0.0.2' }] });
  });

  it('closes a connection that sends garbage, and keeps serving others', async () => {
    const bad = await open();
    bad.sendRaw(Buffer.from([0, 3, 1, 2, 3]));

    expect(await bad.waitForClose()).toBe(true);
    const good = await open();
    good.sendFrame(query(8, 'a.internal'));
    expect(await good.nextAnswer()).toMatchObject({ id: 8 });
  });

  it('answers a malformed query with FORMERR, then closes', async () => {
    const session = await open();
    session.sendFrame(Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61]));

    const answer = await session.nextAnswer();

    expect(answer).toMatchObject({ id: 9, rcode: 'FORMERR' });
    expect(await session.waitForClose()).toBe(true);
  });

  it('closes idle connections', async () => {
    const session = await open();
    session.sendFrame(query(10, 'a.internal'));
    await session.nextAnswer();

    expect(await session.waitForClose(3000)).toBe(true);
  });

  it('drops open connections on stop', async () => {
    const own = new DnsServer({ port: 0, lookup });
    const { tcpPort } = await own.start();
    const session = await TcpSession.open(tcpPort);
    sessions.push(session);

    await own.stop();

    expect(await session.waitForClose()).toBe(true);
  });
});
