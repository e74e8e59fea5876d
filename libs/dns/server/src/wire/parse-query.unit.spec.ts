import { describe, expect, it } from '@jest/globals';
import dnsPacket from 'dns-packet';
import { encodeDnsQuery } from '../query-dns.js';
import { NetworkOptionReader } from './network-option.js';
import { newParsedQuery, ParseOutcome, parseQuery } from './parse-query.js';

const parse = (msg: Buffer) => {
  const q = newParsedQuery();
  const outcome = parseQuery(msg, q);
  // What the option says, as the responder reads it without a forwarder secret.
  const networkId = new NetworkOptionReader().read(msg, q.networkOptionStart, q.networkOptionEnd);
  return { outcome, q: Object.assign(q, { networkId }) };
};

/** Header (id 0x1234, RD) with the given counts, then raw body bytes. */
const raw = (counts: [number, number, number, number], body: number[], flags = 0x0100): Buffer =>
  Buffer.from([0x12, 0x34, flags >> 8, flags & 0xff, ...counts.flatMap((c) => [c >> 8, c & 0xff]), ...body]);

const question = (labels: string[], type = 1): number[] => [
  ...labels.flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]),
  0,
  type >> 8,
  type & 0xff,
  0,
  1,
];

describe('parseQuery', () => {
  it('reads id, lower-cased name, type and the network id option', () => {
    const { outcome, q } = parse(encodeDnsQuery({ id: 77, name: 'Web.VM.Internal', type: 'AAAA', networkId: 'net_abc' }));

    expect(outcome).toBe(ParseOutcome.OK);
    expect(q).toMatchObject({ id: 77, qname: 'web.vm.internal', qtype: 28, qclass: 1, hasOpt: true, ednsVersion: 0 });
    expect(q.networkId).toBe('net_abc');
  });

  it('has no network id without the option, with an empty one, or with two', () => {
    const twice = dnsPacket.encode({
      id: 1,
      questions: [{ type: 'A', name: 'a.internal' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [
            { code: 65001, data: Buffer.from('net_a') },
            { code: 65001, data: Buffer.from('net_b') },
          ] as unknown as dnsPacket.PacketOpt[],
        },
      ],
    });

    expect(parse(encodeDnsQuery({ id: 1, name: 'a.internal' })).q.networkId).toBeNull();
    expect(parse(encodeDnsQuery({ id: 1, name: 'a.internal', networkId: '' })).q.networkId).toBeNull();
    expect(parse(encodeDnsQuery({ id: 1, name: 'a.internal', edns: false })).q).toMatchObject({ hasOpt: false, networkId: null });
    expect(parse(twice).q.networkId).toBeNull();
  });

  it('escapes bytes that would make two names read alike', () => {
    const { q } = parse(raw([1, 0, 0, 0], question(['a.B', 'x\\y', 'c\x00'])));

    expect(q.qname).toBe('a\\.b.x\\\\y.c\\000');
  });

  it('reads the root name as the empty string', () => {
    expect(parse(raw([1, 0, 0, 0], question([]))).q.qname).toBe('');
  });

  it('drops what is not worth an answer: short packets and responses', () => {
    expect(parse(Buffer.from([1, 2, 3])).outcome).toBe(ParseOutcome.DROP);
    expect(parse(raw([1, 0, 0, 0], question(['a']), 0x8000)).outcome).toBe(ParseOutcome.DROP);
  });

  it('answers other opcodes with NOTIMP', () => {
    expect(parse(raw([1, 0, 0, 0], question(['a']), 2 << 11)).outcome).toBe(ParseOutcome.NOTIMP);
  });

  it.each([
    ['no question', raw([0, 0, 0, 0], [])],
    ['two questions', raw([2, 0, 0, 0], [...question(['a']), ...question(['b'])])],
    ['a name running past the end', raw([1, 0, 0, 0], [5, 0x61, 0x62])],
    ['a compression pointer in the question', raw([1, 0, 0, 0], [0xc0, 0x0c, 0, 1, 0, 1])],
    ['a label over 63 bytes', raw([1, 0, 0, 0], [64, ...Buffer.alloc(64, 0x61), 0, 0, 1, 0, 1])],
    ['a name over 255 bytes', raw([1, 0, 0, 0], question(Array.from({ length: 5 }, () => 'a'.repeat(63))))],
    ['a missing type and class', raw([1, 0, 0, 0], [1, 0x61, 0, 0])],
    ['an announced additional record that is absent', raw([1, 0, 0, 1], question(['a']))],
    ['an OPT not owned by the root', raw([1, 0, 0, 1], [...question(['a']), 1, 0x61, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0])],
    ['two OPT records', raw([1, 0, 0, 2], [...question(['a']), ...[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0].concat([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0])])],
    ['an option longer than its OPT', raw([1, 0, 0, 1], [...question(['a']), 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 5, 0xfd, 0xe9, 0, 9, 0x6e])],
  ])('answers %s with FORMERR', (_case, msg) => {
    expect(parse(msg).outcome).toBe(ParseOutcome.FORMERR);
  });

  it('keeps the advertised UDP size, EDNS version and DO bit', () => {
    const msg = raw([1, 0, 0, 1], [...question(['a']), 0, 0, 41, 0x10, 0x00, 0, 1, 0x80, 0, 0, 0]);

    expect(parse(msg).q).toMatchObject({ hasOpt: true, udpPayloadSize: 4096, ednsVersion: 1, dnssecOk: true });
  });

  it('never throws on random bytes', () => {
    const q = newParsedQuery();
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 20_000; i++) {
      const msg = Buffer.from(Array.from({ length: next() % 80 }, next));
      if (msg.length >= 6) msg.writeUInt16BE(1, 4); // one question, to reach the name parser more often
      parseQuery(msg, q); // a throw fails the test
    }
  });
});
