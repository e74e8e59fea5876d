import { describe, expect, it } from '@jest/globals';
import dnsPacket from 'dns-packet';
import { encodeDnsQuery, type QueryDnsOptions } from './query-dns.js';
import { Responder } from './responder.js';
import { addressesOf, rcodeOf } from './testing/answers.js';
import { tableLookup, type Table } from './testing/table-lookup.js';
import type { Lookup } from './lookup.js';

const table: Table = {
  net_a: { 'web.vm.internal': ['10.0.0.5'], 'db.internal': ['10.0.0.6', '10.0.0.7'], 'empty.internal': [] },
  net_b: { 'web.vm.internal': ['10.1.0.5'] },
};

const aAnswer = (addresses: string[]) => ({
  kind: 'answer' as const,
  zone: 'internal',
  records: addresses.map((address) => ({ type: 'A' as const, address })),
});

const responderWith = (lookup: Lookup, errors: unknown[] = []) =>
  new Responder({ lookup, ttlSeconds: 7, negativeTtlSeconds: 3, maxUdpPayloadSize: 1232, onError: (e) => errors.push(e) });

type Query = Omit<QueryDnsOptions, 'host' | 'port' | 'transport' | 'timeoutMs'>;
const ask = (responder: Responder, query: Query, transport: 'udp' | 'tcp' = 'udp') => {
  const out = responder.respond(encodeDnsQuery({ id: 4242, ...query }), transport);
  if (out === null) throw new Error('no response');
  return dnsPacket.decode(transport === 'tcp' ? out.subarray(2) : out);
};

describe('Responder', () => {
  const responder = responderWith(tableLookup(table));

  it('answers A authoritatively with the configured TTL, echoing id and question', () => {
    const p = ask(responder, { name: 'Web.VM.internal', networkId: 'net_a' });

    expect(rcodeOf(p)).toBe('NOERROR');
    expect(p).toMatchObject({ id: 4242, flag_qr: true, flag_aa: true, flag_rd: true, flag_ra: false, flag_tc: false });
    expect(p.questions).toEqual([{ name: 'Web.VM.internal', type: 'A', class: 'IN' }]);
    expect(p.answers).toEqual([{ name: 'Web.VM.internal', type: 'A', class: 'IN', ttl: 7, flush: false, data: '10.0.0.5' }]);
    expect(p.authorities).toEqual([]);
  });

  it('answers from the view of the network named in the query', () => {
    const a = ask(responder, { name: 'web.vm.internal', networkId: 'net_b' });

    expect(addressesOf(a)).toEqual(['10.1.0.5']);
  });

  it('returns every address', () => {
    expect(addressesOf(ask(responder, { name: 'db.internal', networkId: 'net_a' }))).toEqual(['10.0.0.6', '10.0.0.7']);
  });

  it('includes an OPT in the response only when the query had one', () => {
    const withOpt = ask(responder, { name: 'web.vm.internal', networkId: 'net_a' });
    const without = ask(responder, { name: 'web.vm.internal', edns: false });

    expect(withOpt.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232, ednsVersion: 0 }]);
    expect(without.additionals).toEqual([]);
  });

  it('refuses a query without a network: no OPT, no option, an empty option', () => {
    for (const query of [{ edns: false }, {}, { networkId: '' }]) {
      const p = ask(responder, { name: 'web.vm.internal', ...query });
      expect(rcodeOf(p)).toBe('REFUSED');
      expect(p.answers).toEqual([]);
    }
  });

  it('answers NXDOMAIN with the zone SOA, whose TTL and minimum are the negative TTL', () => {
    const p = ask(responder, { name: 'nope.internal', networkId: 'net_a' });

    expect(rcodeOf(p)).toBe('NXDOMAIN');
    expect(p.flag_aa).toBe(true);
    expect(p.answers).toEqual([]);
    expect(p.authorities).toEqual([
      {
        name: 'internal',
        type: 'SOA',
        class: 'IN',
        ttl: 3,
        flush: false,
        data: { mname: 'ns.internal', rname: 'hostmaster.internal', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 3 },
      },
    ]);
  });

  it('answers NODATA (NOERROR, no answers, SOA) for a type the name lacks', () => {
    for (const query of [{ name: 'web.vm.internal', type: 'AAAA' as const }, { name: 'empty.internal' }]) {
      const p = ask(responder, { ...query, networkId: 'net_a' });
      expect(rcodeOf(p)).toBe('NOERROR');
      expect(p.answers).toEqual([]);
      expect(p.authorities).toMatchObject([{ type: 'SOA', ttl: 3 }]);
    }
  });

  it('encodes PTR, SOA and NS answers, owned by the question as asked', () => {
    const r = responderWith((_net, qname, qtype) => {
      if (qtype === 'PTR') return { kind: 'answer', zone: '0.10.in-addr.arpa', records: [{ type: 'PTR', target: 'web.vm.internal' }] };
      if (qtype === 'NS') return { kind: 'answer', zone: qname, records: [{ type: 'NS' }] };
      return { kind: 'answer', zone: qname, records: [{ type: 'SOA' }] };
    });

    expect(ask(r, { name: '1.1.0.10.IN-ADDR.arpa', type: 'PTR', networkId: 'n' }).answers).toEqual([
      { name: '1.1.0.10.IN-ADDR.arpa', type: 'PTR', class: 'IN', ttl: 7, flush: false, data: 'web.vm.internal' },
    ]);
    expect(ask(r, { name: 'Internal', type: 'NS', networkId: 'n' }).answers).toMatchObject([{ name: 'Internal', type: 'NS', ttl: 7, data: 'ns.internal' }]);
    expect(ask(r, { name: 'INTERNAL', type: 'SOA', networkId: 'n' }, 'tcp').answers).toMatchObject([
      { name: 'INTERNAL', type: 'SOA', ttl: 3, data: { mname: 'ns.internal', rname: 'hostmaster.internal', minimum: 3 } },
    ]);
  });

  it('puts the SOA of the zone the lookup names into a negative answer', () => {
    const r = responderWith(() => ({ kind: 'nxdomain', zone: '0.10.in-addr.arpa' }));

    expect(ask(r, { name: '9.9.0.10.in-addr.arpa', type: 'PTR', networkId: 'n' }).authorities).toMatchObject([
      { name: '0.10.in-addr.arpa', type: 'SOA', ttl: 3, data: { minimum: 3 } },
    ]);
  });

  it('answers REFUSED when the lookup is not authoritative for the name', () => {
    const r = responderWith(() => ({ kind: 'refused' }));

    const p = ask(r, { name: '8.8.8.8.in-addr.arpa', type: 'PTR', networkId: 'n' });
    expect(rcodeOf(p)).toBe('REFUSED');
    expect(p.authorities).toEqual([]);
  });

  it('with a forwarder secret, reads a view only when the option carries a valid MAC, refusing all else alike', () => {
    const lookup = tableLookup(table);
    const secured = new Responder({ lookup, ttlSeconds: 7, negativeTtlSeconds: 3, maxUdpPayloadSize: 1232, onError: () => {}, forwarderSecret: 'k' });

    expect(addressesOf(ask(secured, { name: 'web.vm.internal', networkId: 'net_a', forwarderSecret: 'k' }))).toEqual(['10.0.0.5']);
    for (const query of [{ networkId: 'net_a' }, { networkId: 'net_a', forwarderSecret: 'other' }, { networkId: 'net_zzz' }, {}]) {
      expect(rcodeOf(ask(secured, { name: 'web.vm.internal', ...query }))).toBe('REFUSED');
    }
    expect(lookup.calls).toHaveLength(1);
  });

  it('passes the lower-cased name and the type mnemonic to the lookup', () => {
    const lookup = tableLookup(table);
    ask(responderWith(lookup), { name: 'DB.Internal.', type: 'TXT', networkId: 'net_a' });

    expect(lookup.calls).toEqual([{ networkId: 'net_a', qname: 'db.internal', qtype: 'TXT' }]);
  });

  it('sets TC over UDP when the answer exceeds what the client can take, and sends all over TCP', () => {
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`);
    const sixty = responderWith(() => aAnswer(addresses(60))); // ~1 KB
    const hundred = responderWith(() => aAnswer(addresses(100))); // ~1.6 KB

    const small = ask(sixty, { name: 'big.internal', networkId: 'n', udpPayloadSize: 512 });
    const tiny = ask(sixty, { name: 'big.internal', networkId: 'n', udpPayloadSize: 100 }); // below 512 counts as 512
    const roomy = ask(sixty, { name: 'big.internal', networkId: 'n', udpPayloadSize: 4096 });
    const overOurCap = ask(hundred, { name: 'big.internal', networkId: 'n', udpPayloadSize: 4096 }); // we send at most 1232
    const tcp = ask(hundred, { name: 'big.internal', networkId: 'n', udpPayloadSize: 512 }, 'tcp');

    expect(small).toMatchObject({ flag_tc: true, answers: [], authorities: [], questions: [{ name: 'big.internal' }] });
    expect(small.additionals).toMatchObject([{ type: 'OPT' }]);
    expect(tiny.flag_tc).toBe(true);
    expect(roomy.flag_tc).toBe(false);
    expect(roomy.answers).toHaveLength(60);
    expect(overOurCap.flag_tc).toBe(true);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(100);
  });

  it('frames TCP answers with their 2-byte length', () => {
    const out = responder.respond(encodeDnsQuery({ id: 1, name: 'web.vm.internal', networkId: 'net_a' }), 'tcp')!;

    expect(out.readUInt16BE(0)).toBe(out.length - 2);
  });

  it('answers SERVFAIL when the lookup throws or returns an address that is not IPv4', () => {
    const errors: unknown[] = [];
    const throwing = responderWith(() => {
      throw new Error('boom');
    }, errors);
    const bad = responderWith(() => aAnswer(['10.0.0.256']), errors);

    expect(rcodeOf(ask(throwing, { name: 'a.internal', networkId: 'n' }))).toBe('SERVFAIL');
    expect(rcodeOf(ask(bad, { name: 'a.internal', networkId: 'n' }))).toBe('SERVFAIL');
    expect(errors).toHaveLength(2);
  });

  it('refuses zone transfers and non-IN classes', () => {
    expect(rcodeOf(ask(responder, { name: 'internal', type: 'AXFR', networkId: 'net_a' }))).toBe('REFUSED');
    const chaos = dnsPacket.encode({ id: 5, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    expect(rcodeOf(dnsPacket.decode(responder.respond(chaos, 'udp')!))).toBe('REFUSED');
  });

  it('answers an unknown EDNS version with BADVERS', () => {
    const query = dnsPacket.encode({
      id: 9,
      questions: [{ name: 'web.vm.internal', type: 'A' }],
      additionals: [
        { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] },
      ],
    });

    const out = responder.respond(query, 'udp')!;
    const opt = dnsPacket.decode(out).additionals?.[0] as dnsPacket.OptAnswer;

    expect((out[3]! & 0xf) + (opt.extendedRcode << 4)).toBe(16);
  });

  it('answers FORMERR and NOTIMP with just the header', () => {
    const notimp = Buffer.from(encodeDnsQuery({ id: 3, name: 'a.internal', networkId: 'n' }));
    notimp[2] = notimp[2]! | (4 << 3); // opcode NOTIFY
    const formerr = Buffer.from([0, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x61]);

    expect(rcodeOf(dnsPacket.decode(responder.respond(notimp, 'udp')!))).toBe('NOTIMP');
    expect(rcodeOf(dnsPacket.decode(responder.respond(formerr, 'udp')!))).toBe('FORMERR');
  });
});
