import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { DnsServer } from './dns-server.js';
import { exchangeUdp, queryDns, type QueryDnsOptions } from './query-dns.js';
import { addressesOf, rcodeOf } from './testing/answers.js';
import { tableLookup } from './testing/table-lookup.js';
import { UDP_MODES } from './testing/udp-modes.js';

const lookup = tableLookup({
  net_a: { 'web.vm.internal': ['10.0.0.5'], 'db.internal': ['10.0.0.6'] },
  net_b: { 'web.vm.internal': ['10.1.0.5'] },
});
const errors: unknown[] = [];
describe.each(UDP_MODES)('with %s UDP', (udp) => {
  const server = new DnsServer({ port: 0, udp, lookup, ttlSeconds: 7, negativeTtlSeconds: 3, onError: (e) => errors.push(e) });
  let port = 0;

  const ask = (query: Partial<QueryDnsOptions> & Pick<QueryDnsOptions, 'name'>) =>
    queryDns({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000, ...query });

  beforeAll(async () => {
    const address = await server.start();
    expect(address.tcpPort).toBe(address.udpPort);
    port = address.udpPort;
  });
  afterAll(() => server.stop());

  describe('DnsServer over real sockets', () => {
    it.each(['udp', 'tcp'] as const)('answers A over %s, authoritatively, with the configured TTL', async (transport) => {
      const p = await ask({ name: 'web.vm.internal', networkId: 'net_a', transport });

      expect(rcodeOf(p)).toBe('NOERROR');
      expect(p.flag_aa).toBe(true);
      expect(p.answers).toMatchObject([{ name: 'web.vm.internal', type: 'A', ttl: 7, data: '10.0.0.5' }]);
    });

    it('answers each network from its own view', async () => {
      const p = await ask({ name: 'web.vm.internal', networkId: 'net_b' });

      expect(addressesOf(p)).toEqual(['10.1.0.5']);
    });

    it('refuses a query that does not name its network', async () => {
      expect(rcodeOf(await ask({ name: 'web.vm.internal' }))).toBe('REFUSED');
      expect(rcodeOf(await ask({ name: 'web.vm.internal', edns: false }))).toBe('REFUSED');
      expect(rcodeOf(await ask({ name: 'web.vm.internal', networkId: '', transport: 'tcp' }))).toBe('REFUSED');
    });

    it('answers NXDOMAIN with the internal SOA, also for names of another network', async () => {
      for (const query of [{ name: 'nope.internal', networkId: 'net_a' }, { name: 'db.internal', networkId: 'net_b' }]) {
        const p = await ask(query);
        expect(rcodeOf(p)).toBe('NXDOMAIN');
        expect(p.authorities).toMatchObject([{ name: 'internal', type: 'SOA', ttl: 3, data: { minimum: 3 } }]);
      }
    });

    it('answers NODATA with the SOA for AAAA of a name that only has A', async () => {
      const p = await ask({ name: 'web.vm.internal', type: 'AAAA', networkId: 'net_a', transport: 'tcp' });

      expect(rcodeOf(p)).toBe('NOERROR');
      expect(p.answers).toEqual([]);
      expect(p.authorities).toMatchObject([{ type: 'SOA', ttl: 3 }]);
    });

    it('matches names case-insensitively and echoes the question as asked', async () => {
      const p = await ask({ name: 'WEB.Vm.INTERNAL', networkId: 'net_a' });

      expect(p.questions).toMatchObject([{ name: 'WEB.Vm.INTERNAL' }]);
      expect(p.answers).toMatchObject([{ name: 'WEB.Vm.INTERNAL', data: '10.0.0.5' }]);
    });

    it('survives garbage datagrams and keeps answering', async () => {
      const garbage = [
        Buffer.alloc(0),
        Buffer.from([1, 2, 3]),
        Buffer.alloc(12, 0xff),
        Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37) & 0xff)),
        Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 63, 0x61]), // readable header, broken name
      ];
      const socket = dgram.createSocket('udp4');
      for (const bytes of garbage) {
        await new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      }
      socket.close();

      const p = await ask({ name: 'db.internal', networkId: 'net_a' });
      expect(addressesOf(p)).toEqual(['10.0.0.6']);
      expect(errors).toEqual([]);
    });

    it('answers a malformed query with a readable header with FORMERR', async () => {
      const bytes = Buffer.from([0x4d, 0x2a, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61]);

      const out = await exchangeUdp('127.0.0.1', port, bytes, 0x4d2a, 2000);

      expect(rcodeOf(dnsPacket.decode(out))).toBe('FORMERR');
    });

    it('refuses to start on a port another program holds', async () => {
      const holder = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
      const other = new DnsServer({ port: holder.address().port, udp, lookup });

      await expect(other.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await other.stop();
      holder.close();
    });

    it('shares its port with another instance (SO_REUSEPORT): the kernel gives each a share of the clients', async () => {
      const answered = [0, 0];
      const first = new DnsServer({ port: 0, udp, lookup, onAnswer: () => answered[0]!++ });
      const shared = (await first.start()).udpPort;
      const second = new DnsServer({ port: shared, udp, lookup, onAnswer: () => answered[1]!++ });
      await second.start();
      try {
        // A fresh socket per query: a new source port, hashed to one of the two.
        const answers = await Promise.all(Array.from({ length: 32 }, () => queryDns({ host: '127.0.0.1', port: shared, name: 'web.vm.internal', networkId: 'net_a', transport: 'udp', timeoutMs: 2000 })));

        expect(answers.map(addressesOf)).toEqual(Array.from({ length: 32 }, () => ['10.0.0.5']));
        expect(answered[0]).toBeGreaterThan(0);
        expect(answered[1]).toBeGreaterThan(0);
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    });
  });
});
