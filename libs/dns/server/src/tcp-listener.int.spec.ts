import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DnsServer, TCP_DEFAULTS, type DnsServerOptions } from './dns-server.js';
import { encodeDnsQuery } from './query-dns.js';
import { frame, TcpSession } from './testing/tcp-session.js';
import { addressesOf } from './testing/answers.js';
import { tableLookup } from './testing/table-lookup.js';
import { UDP_MODES } from './testing/udp-modes.js';

const lookup = tableLookup({ net_a: { 'a.internal': ['10.0.0.1'], 'b.internal': ['10.0.0.2'], 'c.internal': ['10.0.0.3'] } });
describe.each(UDP_MODES)('with %s UDP', (udp) => {
  const server = new DnsServer({ port: 0, udp, lookup, tcpIdleTimeoutMs: 300 });
  let port = 0;
  const sessions: TcpSession[] = [];

  const open = async () => {
    const session = await TcpSession.open(port);
    sessions.push(session);
    return session;
  };
  const query = (id: number, name: string) => encodeDnsQuery({ id, name, networkId: 'net_a' });

  // Servers a test starts for its own limits; stopped after the suite.
  const ownServers: DnsServer[] = [];
  const startOwn = async (options: Omit<DnsServerOptions, 'port' | 'lookup'>) => {
    const own = new DnsServer({ port: 0, udp, lookup, ...options });
    ownServers.push(own);
    return (await own.start()).tcpPort;
  };
  const openTo = async (tcpPort: number, localAddress?: string) => {
    const session = await TcpSession.open(tcpPort, localAddress === undefined ? {} : { localAddress });
    sessions.push(session);
    return session;
  };
  const OTHER_CLIENT = '127.0.0.2'; // all of 127/8 is loopback on Linux: a second source address

  /** Sends `bytes` one at a time, `everyMs` apart, until they run out or the server hangs up; resolves the count sent. */
  async function trickle(session: TcpSession, bytes: Buffer, everyMs: number): Promise<number> {
    let sent = 0;
    for (const byte of bytes) {
      if (session.closed) break;
      session.sendRaw(Buffer.from([byte]));
      sent++;
      await sleep(everyMs);
    }
    return sent;
  }

  beforeAll(async () => {
    port = (await server.start()).tcpPort;
  });
  afterAll(async () => {
    for (const s of sessions) s.close();
    await Promise.all([server.stop(), ...ownServers.map((s) => s.stop())]);
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
      const own = new DnsServer({ port: 0, udp, lookup });
      const { tcpPort } = await own.start();
      const session = await TcpSession.open(tcpPort);
      sessions.push(session);

      await own.stop();

      expect(await session.waitForClose()).toBe(true);
    });
  });

  describe('DNS over TCP: deadlines that sending cannot extend', () => {
    const messageTimeoutMs = 1000;
    let tcpPort = 0;
    beforeAll(async () => {
      tcpPort = await startOwn({ tcpMessageTimeoutMs: messageTimeoutMs });
    });

    it('cuts off a client trickling one byte every 300 ms at the message deadline, though it keeps sending', async () => {
      const session = await openTo(tcpPort);
      const started = Date.now();
      const sending = trickle(session, frame(query(20, 'a.internal')), 300);

      expect(await session.waitForClose(4000)).toBe(true);
      const elapsed = Date.now() - started;
      // It was still sending when cut off: the bytes it sent did not buy it time.
      expect(await sending).toBeGreaterThanOrEqual(3);
      expect(elapsed).toBeGreaterThanOrEqual(messageTimeoutMs - 100);
      expect(elapsed).toBeLessThan(messageTimeoutMs + 1000);
    });

    it('closes a connection that sends nothing after opening', async () => {
      const session = await openTo(tcpPort);
      const started = Date.now();

      expect(await session.waitForClose(4000)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(messageTimeoutMs - 100);
    });

    it('gives every message its own deadline, so a steady client outlives any one of them', async () => {
      const session = await openTo(tcpPort);
      const ids: number[] = [];
      for (let id = 30; id < 34; id++) {
        session.sendFrame(query(id, 'b.internal'));
        ids.push((await session.nextAnswer()).id!);
        await sleep(messageTimeoutMs * 0.4);
      }

      expect(ids).toEqual([30, 31, 32, 33]);
      expect(session.closed).toBe(false);
    });
  });

  describe('DNS over TCP: one client cannot starve the others', () => {
    // Long deadlines here, so only the connection limits can close anything.
    const slow = { tcpMessageTimeoutMs: 10_000 };
    const closedWithin = async (list: TcpSession[], ms: number) => {
      await Promise.all(list.map((s) => s.waitForClose(ms)));
      return list.filter((s) => s.closed).length;
    };

    it('closes the connections a client opens beyond its limit at once, and answers another client', async () => {
      const tcpPort = await startOwn({ ...slow, maxTcpConnectionsPerClient: 4 });
      const greedy: TcpSession[] = [];
      for (let i = 0; i < 6; i++) greedy.push(await openTo(tcpPort));

      expect(await closedWithin(greedy, 500)).toBe(2);
      const kept = greedy.filter((s) => !s.closed);
      kept[0]!.sendFrame(query(40, 'a.internal'));
      expect(await kept[0]!.nextAnswer()).toMatchObject({ id: 40 });
      const other = await openTo(tcpPort, OTHER_CLIENT);
      other.sendFrame(query(41, 'b.internal'));
      expect(await other.nextAnswer()).toMatchObject({ id: 41, answers: [{ data: '10.0.0.2' }] });
    });

    it('answers another address while tricklers from one address fill every connection', async () => {
      const tcpPort = await startOwn({ ...slow, maxTcpConnections: 6 });
      const tricklers: TcpSession[] = [];
      for (let i = 0; i < 6; i++) {
        const session = await openTo(tcpPort);
        session.sendRaw(frame(query(50 + i, 'a.internal')).subarray(0, 1)); // a message begun, never finished
        tricklers.push(session);
      }
      await sleep(100); // let the server take in all six

      const other = await openTo(tcpPort, OTHER_CLIENT);
      other.sendFrame(query(60, 'c.internal'));

      expect(await other.nextAnswer(1000)).toMatchObject({ id: 60, answers: [{ data: '10.0.0.3' }] });
      // Room was made by closing one of the hoarder's connections, its oldest.
      expect(await closedWithin(tricklers, 300)).toBe(1);
      expect(tricklers[0]!.closed).toBe(true);
      // The hoarder cannot take the slot back: it is still the heaviest client.
      const again = await openTo(tcpPort);
      expect(await again.waitForClose(500)).toBe(true);
      expect(other.closed).toBe(false);
    });

    it('has sane defaults, and applies the per-client one', async () => {
      expect(TCP_DEFAULTS.messageTimeoutMs).toBeGreaterThanOrEqual(1000);
      expect(TCP_DEFAULTS.messageTimeoutMs).toBeLessThanOrEqual(10_000);
      expect(TCP_DEFAULTS.maxConnectionsPerClient).toBeGreaterThanOrEqual(4);
      // Room for many clients at their limit before the server is full.
      expect(TCP_DEFAULTS.maxConnections / TCP_DEFAULTS.maxConnectionsPerClient).toBeGreaterThanOrEqual(32);

      const tcpPort = await startOwn({});
      const many: TcpSession[] = [];
      for (let i = 0; i <= TCP_DEFAULTS.maxConnectionsPerClient; i++) many.push(await openTo(tcpPort));

      expect(await closedWithin(many, 500)).toBe(1);
    });

    it('refuses limits that are not positive integers', () => {
      expect(() => new DnsServer({ port: 0, udp, lookup, tcpMessageTimeoutMs: 0 })).toThrow(RangeError);
      expect(() => new DnsServer({ port: 0, udp, lookup, maxTcpConnectionsPerClient: 1.5 })).toThrow(RangeError);
    });
  });
});
