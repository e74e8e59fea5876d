import { describe, expect, it } from '@jest/globals';
import { parseConntrackLine, type CtEntry } from './conntrack-line.js';
import { AWAIT_DESTROY_SECONDS, awaitedTooLong, GONE_AFTER, ledgerFromJson, ledgerToJson, readTable, sweepMissing, takeDestroyed, takeReading, type Ledger } from './flow-ledger.js';

const T0 = 1_796_000_000;
const options = { intervalSeconds: 60, hostId: 'h1' };
const ct = (line: string) => parseConntrackLine(line)!;
const tcp = (state: string, src: string, dst: string, replySrc: string, replyDst: string, ob: number, rb: number, id = '7', start = '') => ({
  ...ct(`ipv4 2 tcp 6 100 ${state} src=${src} dst=${dst} sport=40000 dport=80 packets=${ob ? 3 : 0} bytes=${ob} src=${replySrc} dst=${replyDst} sport=80 dport=40000 packets=${rb ? 5 : 0} bytes=${rb} [ASSURED] mark=0 use=1 id=${id}`),
  start,
});
const reading = (entries: CtEntry[]) => ({
  networkId: 'net_a',
  contains: (ip: string) => ip.startsWith('10.0.'),
  own: new Set(['10.0.0.1', '10.0.0.2']),
  entries,
});

describe('conntrack readings into flow records', () => {
  it('reports a long connection every interval and at its close, each byte once, both ways', () => {
    const ledger: Ledger = new Map();
    const egress = (ob: number, rb: number, state = 'ESTABLISHED') => tcp(state, '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', ob, rb);
    expect(takeReading(ledger, reading([egress(100, 1000)]), T0, options)).toEqual([]);
    const first = takeReading(ledger, reading([egress(300, 5000)]), T0 + 60, options);
    expect(first.map((r) => [r.flow_id.split(':').slice(2).join(':'), r.src_ip, r.dst_ip, r.bytes, r.start, r.end, r.nat_ip])).toEqual([
      ['1:o', '10.0.1.2', '198.51.100.10', '300', T0, T0 + 60, '203.0.113.1'],
      ['1:r', '198.51.100.10', '10.0.1.2', '5000', T0, T0 + 60, '203.0.113.1'],
    ]);
    expect(takeReading(ledger, reading([egress(350, 5000)]), T0 + 61, options)).toEqual([]);
    const closing = takeReading(ledger, reading([egress(400, 9000, 'TIME_WAIT')]), T0 + 62, options);
    expect(closing.map((r) => [r.flow_id.split(':').slice(2).join(':'), r.bytes])).toEqual([['2:o', '100'], ['2:r', '4000']]);
    // Gone from the table with nothing new: nothing more; forgotten once it stays gone.
    for (let i = 0; i < GONE_AFTER; i++) expect(takeReading(ledger, reading([]), T0 + 200 + i, options)).toEqual([]);
    expect(ledger.size).toBe(0);
  });

  it('bills a connection once that one reading skipped (a dump of a changing table can): it comes back as itself, not as new', () => {
    const ledger: Ledger = new Map();
    const egress = (ob: number, state = 'ESTABLISHED') => tcp(state, '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', ob, 0);
    takeReading(ledger, reading([egress(100)]), T0, options);
    const skipped = takeReading(ledger, reading([]), T0 + 1, options);
    const back = takeReading(ledger, reading([egress(150, 'TIME_WAIT')]), T0 + 2, options);
    expect([...skipped, ...back].map((r) => r.bytes)).toEqual(['100', '50']);
  });

  it('reports what a connection counted since its last report when it leaves the table', () => {
    const ledger: Ledger = new Map();
    takeReading(ledger, reading([tcp('ESTABLISHED', '10.0.1.2', '10.0.1.3', '10.0.1.3', '10.0.1.2', 10, 20)]), T0, options);
    const last = takeReading(ledger, reading([]), T0 + 5, options);
    expect(last.map((r) => [r.src_ip, r.dst_ip, r.bytes])).toEqual([['10.0.1.2', '10.0.1.3', '10'], ['10.0.1.3', '10.0.1.2', '20']]);
  });

  it('bills a flow in through a public address on the private address that answered, and a hairpin on the public one it reached', () => {
    const ledger: Ledger = new Map();
    const inbound = tcp('TIME_WAIT', '198.51.100.10', '203.0.113.5', '10.0.1.3', '198.51.100.10', 50, 7000, '8');
    const hairpin = tcp('TIME_WAIT', '10.0.1.2', '203.0.113.5', '10.0.1.3', '10.0.0.1', 60, 800, '9');
    const records = takeReading(ledger, reading([inbound, hairpin]), T0, options);
    expect(records.map((r) => [r.src_ip, r.dst_ip, r.bytes, r.nat_ip])).toEqual([
      ['198.51.100.10', '10.0.1.3', '50', '203.0.113.5'],
      ['10.0.1.3', '198.51.100.10', '7000', '203.0.113.5'],
      ['10.0.1.2', '203.0.113.5', '60', '10.0.0.1'],
      ['203.0.113.5', '10.0.1.2', '800', '10.0.0.1'],
    ]);
  });

  it('leaves out the platform own traffic (the resolver) and what touches no resource of the network', () => {
    const ledger: Ledger = new Map();
    const dns = ct('ipv4 2 udp 17 29 src=10.0.1.2 dst=10.0.0.2 sport=5555 dport=53 packets=1 bytes=60 src=10.0.0.2 dst=10.0.1.2 sport=53 dport=5555 packets=1 bytes=90 mark=0 use=1 id=3');
    const foreign = tcp('TIME_WAIT', '198.51.100.10', '198.51.100.11', '198.51.100.11', '198.51.100.10', 5, 5);
    expect(takeReading(ledger, reading([dns, foreign]), T0, options)).toEqual([]);
  });

  it('continues after a restart from the ledger on disk with the same numbering, never a second cut of the same bytes', () => {
    const ledger: Ledger = new Map();
    const egress = (ob: number) => tcp('ESTABLISHED', '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', ob, 0);
    takeReading(ledger, reading([egress(100)]), T0, options);
    const before = takeReading(ledger, reading([egress(200)]), T0 + 60, options);
    const restored = ledgerFromJson(JSON.parse(JSON.stringify(ledgerToJson(ledger))));
    const after = takeReading(restored, reading([egress(260)]), T0 + 120, options);
    expect(before.map((r) => [r.flow_id.split(':')[2], r.bytes])).toEqual([['1', '200']]);
    expect(after.map((r) => [r.flow_id.split(':')[2], r.bytes])).toEqual([['2', '60']]);
    expect(after[0]!.flow_id.split(':')[1]).toBe(before[0]!.flow_id.split(':')[1]);
  });

  it('bills each connection on a reused tuple, though the kernel gives it the same id and it counts the same bytes', () => {
    // Seen here: a connection that reuses the tuple of one in TIME_WAIT gets the freed entry, so the same id.
    const ledger: Ledger = new Map();
    const call = (start: string) => tcp('TIME_WAIT', '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', 271, 164, '445203247', start);
    const records = ['1796317262615525565', '1796317263716001234', '1796317264817004321'].flatMap((start, i) => takeReading(ledger, reading([call(start)]), T0 + i, options));
    expect(records.map((r) => r.bytes)).toEqual(['271', '164', '271', '164', '271', '164']);
    expect(new Set(records.map((r) => r.flow_id)).size).toBe(6);
    // The same entry read again (same start) is the same connection: nothing more.
    expect(takeReading(ledger, reading([call('1796317264817004321')]), T0 + 3, options)).toEqual([]);
  });

  it('takes over what an older agent kept without start times, rather than counting it again', () => {
    const ledger: Ledger = new Map();
    const egress = (ob: number, start: string) => tcp('ESTABLISHED', '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', ob, 0, '7', start);
    takeReading(ledger, reading([egress(100, '')]), T0, options);
    const changes = { changed: new Set<string>(), removed: [] as string[] };
    const after = takeReading(ledger, reading([egress(160, '1796317262615525565')]), T0 + 60, options, changes);
    expect(after.map((r) => r.bytes)).toEqual(['160']);
    const again = takeReading(ledger, reading([egress(200, '1796317262615525565')]), T0 + 120, options);
    expect(again.map((r) => r.bytes)).toEqual(['40']);
    expect(ledger.size).toBe(1);
    expect(changes.removed).toHaveLength(1);
  });

  it('sweeps every network read in one walk, and leaves a network whose table could not be read as it was', () => {
    const ledger: Ledger = new Map();
    const egress = (networkId: string) => ({ ...reading([tcp('ESTABLISHED', '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', 100, 0)]), networkId });
    const changes = { changed: new Set<string>(), removed: [] as string[] };
    for (const id of ['net_a', 'net_b', 'net_c']) readTable(ledger, egress(id), T0, options, changes, new Set());
    // This round: net_a read and its connection gone, net_b unreadable, net_c read and still there.
    const listed = new Set<string>();
    readTable(ledger, egress('net_c'), T0 + 1, options, changes, listed);
    const records = sweepMissing(ledger, new Set(['net_a', 'net_c']), listed, T0 + 1, options, changes);
    expect(records.map((r) => [r.network_id, r.bytes])).toEqual([['net_a', '100']]);
    expect([...ledger.values()].map((t) => [t.networkId, t.missed ?? 0])).toEqual([['net_a', 1], ['net_b', 0], ['net_c', 0]]);
  });

  describe('with DESTROY events', () => {
    const call = (start: string, ob: number, rb: number, state = 'CLOSE') => tcp(state, '10.0.1.2', '198.51.100.10', '198.51.100.10', '203.0.113.1', ob, rb, '2196859057', start);

    it('bills connections made and dropped between two readings, which no reading saw', () => {
      const ledger: Ledger = new Map();
      // Three calls on one tuple within milliseconds: the first two replaced at once, only the last left in the table.
      const dropped = takeDestroyed(ledger, reading([call('100', 271, 112), call('200', 271, 112)]), T0, options);
      const read = takeReading(ledger, reading([call('300', 271, 112)]), T0, options);
      expect([...dropped, ...read].map((r) => r.bytes)).toEqual(['271', '112', '271', '112', '271', '112']);
    });

    it('reports what a read connection counted after its last reading, once, whichever comes first', () => {
      const ledger: Ledger = new Map();
      takeReading(ledger, reading([call('100', 100, 1000, 'ESTABLISHED')]), T0, options);
      const final = takeDestroyed(ledger, reading([call('100', 150, 1600)]), T0 + 1, options);
      expect(final.map((r) => r.bytes)).toEqual(['150', '1600']);
      // A reading that began before it was dropped still lists it: nothing more, and nothing twice from the event again.
      expect(takeReading(ledger, reading([call('100', 150, 1600)]), T0 + 2, options)).toEqual([]);
      expect(takeDestroyed(ledger, reading([call('100', 150, 1600)]), T0 + 2, options)).toEqual([]);
      // Gone from the table: forgotten after GONE_AFTER readings, with nothing more reported.
      for (let i = 0; i < GONE_AFTER; i++) expect(takeReading(ledger, reading([]), T0 + 3 + i, options)).toEqual([]);
      expect(ledger.size).toBe(0);
    });

    it('leaves an event without a start time to the readings (its id may be another connection’s)', () => {
      const ledger: Ledger = new Map();
      expect(takeDestroyed(ledger, reading([call('', 271, 112)]), T0, options)).toEqual([]);
      expect(ledger.size).toBe(0);
    });

    describe('and readings of open connections only (closed ones left out by the kernel)', () => {
      /** A reading that lists only what is still open: what it does not list may be closed and still in the table. */
      const openReading = (ledger: Ledger, entries: CtEntry[], now: number) => {
        const changes = { changed: new Set<string>(), removed: [] as string[] };
        const listed = new Set<string>();
        const records = readTable(ledger, reading(entries), now, options, changes, listed);
        return [...records, ...sweepMissing(ledger, new Set(['net_a']), listed, now, options, changes, new Set(['net_a']))];
      };

      it('waits for a closed connection’s DESTROY event however long it takes, and bills it once, in full', () => {
        const ledger: Ledger = new Map();
        expect(openReading(ledger, [call('100', 100, 1000, 'ESTABLISHED')], T0)).toEqual([]);
        // Closed: no longer listed, for longer than a whole-table reading would take to forget it.
        for (let i = 1; i <= GONE_AFTER + 2; i++) expect(openReading(ledger, [], T0 + i)).toEqual([]);
        expect(ledger.size).toBe(1);
        const final = takeDestroyed(ledger, reading([call('100', 400, 9000)]), T0 + 15, options);
        expect(final.map((r) => r.bytes)).toEqual(['400', '9000']);
        // Then forgotten like any dropped connection, with nothing more reported.
        for (let i = 0; i < GONE_AFTER; i++) expect(openReading(ledger, [], T0 + 16 + i)).toEqual([]);
        expect(ledger.size).toBe(0);
      });

      it('asks for a whole-table reading once an event is awaited longer than any closed connection lives', () => {
        const ledger: Ledger = new Map();
        openReading(ledger, [call('100', 100, 1000, 'ESTABLISHED')], T0);
        openReading(ledger, [], T0 + 1);
        expect(awaitedTooLong(ledger, T0 + AWAIT_DESTROY_SECONDS)).toEqual(new Set());
        expect(awaitedTooLong(ledger, T0 + 1 + AWAIT_DESTROY_SECONDS)).toEqual(new Set(['net_a']));
        // The whole table lists it (not closed after all, a RST conntrack ignored say): reported like any open
        // connection, once, and awaited no more.
        expect(takeReading(ledger, reading([call('100', 100, 1000, 'ESTABLISHED')]), T0 + 700, options).map((r) => r.bytes)).toEqual(['100', '1000']);
        expect(takeReading(ledger, reading([call('100', 100, 1000, 'ESTABLISHED')]), T0 + 701, options)).toEqual([]);
        expect(awaitedTooLong(ledger, T0 + 701)).toEqual(new Set());
      });

      it('has the whole-table reading (positive control) report a connection it does not list as ended', () => {
        const ledger: Ledger = new Map();
        takeReading(ledger, reading([call('100', 100, 1000, 'ESTABLISHED')]), T0, options);
        expect(takeReading(ledger, reading([]), T0 + 1, options).map((r) => r.bytes)).toEqual(['100', '1000']);
      });

      it('forgets connections billed from their events alone, which no reading lists, at the first reading', () => {
        const ledger: Ledger = new Map();
        const dropped = takeDestroyed(ledger, reading([call('100', 271, 112), call('200', 271, 112)]), T0, options);
        expect(dropped.map((r) => r.bytes)).toEqual(['271', '112', '271', '112']);
        expect(openReading(ledger, [], T0 + 1)).toEqual([]);
        expect(ledger.size).toBe(0);
      });
    });

    it('keeps the mark of a connection a reading saw across a restart (the ledger on disk)', () => {
      const ledger: Ledger = new Map();
      takeReading(ledger, reading([call('100', 100, 100, 'ESTABLISHED')]), T0, options);
      takeDestroyed(ledger, reading([call('100', 271, 112)]), T0 + 1, options);
      const restored = ledgerFromJson(JSON.parse(JSON.stringify(ledgerToJson(ledger))));
      expect(takeReading(restored, reading([call('100', 271, 112)]), T0 + 2, options)).toEqual([]);
    });

    it('keeps one known from its event alone in memory for one reading, and never on disk (its records are all a restart needs)', () => {
      const ledger: Ledger = new Map();
      takeDestroyed(ledger, reading([call('100', 271, 112)]), T0, options);
      expect(ledgerToJson(ledger)).toEqual([]);
      // A reading that ran as the kernel dropped it still lists it: nothing twice…
      expect(takeReading(ledger, reading([call('100', 271, 112)]), T0, options)).toEqual([]);
      // …and the first reading that does not is the last it is kept for.
      expect(takeReading(ledger, reading([]), T0 + 1, options)).toEqual([]);
      expect(ledger.size).toBe(0);
    });
  });
});
