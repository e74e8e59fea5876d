// Hostile bytes on real sockets: random datagrams, valid queries with bytes
// flipped or cut short, and over TCP random frames, truncated frames and
// lying length prefixes. The server must neither crash nor throw, and must
// still answer right afterwards, over both transports.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import dgram from 'node:dgram';
import net from 'node:net';
import { DnsServer } from './dns-server.js';
import { encodeDnsQuery, queryDns } from './query-dns.js';
import { addressesOf, rcodeOf } from './testing/answers.js';
import { tableLookup } from './testing/table-lookup.js';
import { UDP_MODES } from './testing/udp-modes.js';
import { frame } from './testing/tcp-session.js';

const lookup = tableLookup({ net_a: { 'web.vm.internal': ['10.0.1.1'] } });
const errors: unknown[] = [];
describe.each(UDP_MODES)('with %s UDP', (udp) => {
  const server = new DnsServer({ port: 0, udp, lookup, onError: (e) => errors.push(e), tcpIdleTimeoutMs: 200, forwarderSecret: 'fuzz' });
  let port = 0;

  // Seeded, so a failure can be replayed.
  let seed = 20261123;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const byte = () => Math.floor(random() * 256);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, byte));

  const valid = () =>
    encodeDnsQuery({ id: byte(), name: ['web.vm.internal', '1.1.0.10.in-addr.arpa', 'internal'][Math.floor(random() * 3)]!, type: 'A', networkId: 'net_a', forwarderSecret: 'fuzz' });

  /** A mix: pure noise, a valid query with a few bytes changed, a valid query cut short. */
  function hostile(): Buffer {
    const kind = random();
    if (kind < 0.3) return bytes(Math.floor(random() * 300));
    const q = Buffer.from(valid());
    if (kind < 0.7) {
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) q[Math.floor(random() * q.length)] = byte();
      return q;
    }
    return q.subarray(0, Math.floor(random() * q.length));
  }

  const expectStillRight = async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const p = await queryDns({ host: '127.0.0.1', port, name: 'Web.VM.internal', networkId: 'net_a', forwarderSecret: 'fuzz', transport, timeoutMs: 2000 });
      expect(rcodeOf(p)).toBe('NOERROR');
      expect(p.answers).toMatchObject([{ name: 'Web.VM.internal', data: '10.0.1.1' }]);
      expect(addressesOf(p)).toEqual(['10.0.1.1']);
    }
  };

  beforeAll(async () => {
    port = (await server.start()).udpPort;
  });
  afterAll(() => server.stop());

  describe('fuzzing the DNS server', () => {
    it('survives 20,000 hostile datagrams and answers right afterwards', async () => {
      const socket = dgram.createSocket('udp4');
      for (let i = 0; i < 20_000; i++) {
        await new Promise<void>((resolve) => socket.send(hostile(), port, '127.0.0.1', () => resolve()));
        // Paced by a real query every 100: a sender in this same process would
        // otherwise outrun the server until the kernel drops datagrams, as UDP may.
        if (i % 100 === 99) await queryDns({ host: '127.0.0.1', port, name: 'web.vm.internal', networkId: 'net_a', forwarderSecret: 'fuzz', transport: 'udp', timeoutMs: 2000 });
      }
      socket.close();

      await expectStillRight();
      expect(errors).toEqual([]);
    }, 60_000);

    it('survives hostile TCP streams (random frames, truncated frames, lying lengths) and answers right afterwards', async () => {
      for (let c = 0; c < 200; c++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => {});
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        const parts: Buffer[] = [];
        for (let m = 0; m < 5; m++) {
          const kind = random();
          if (kind < 0.6) parts.push(frame(hostile()));
          else if (kind < 0.8) parts.push(frame(valid()).subarray(0, Math.floor(random() * 20)));
          else parts.push(Buffer.concat([Buffer.from([byte(), byte()]), bytes(Math.floor(random() * 40))]));
        }
        // In pieces, so the server reassembles across reads.
        const all = Buffer.concat(parts);
        for (let o = 0; o < all.length; ) {
          const n = 1 + Math.floor(random() * 64);
          socket.write(all.subarray(o, o + n));
          o += n;
        }
        if (random() < 0.5) socket.end();
        else socket.destroy();
      }

      await expectStillRight();
      expect(errors.filter((e) => (e as NodeJS.ErrnoException).code !== 'ECONNRESET' && (e as NodeJS.ErrnoException).code !== 'EPIPE')).toEqual([]);
    }, 60_000);
  });
});
