import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema, RecordsRemovedSchema } from '@pn/contracts';
import { answerInView } from './view-answer.js';
import { ZoneIndex } from './zone-index.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const NET = 'net_a';

const registered = (resourceId: string, name: string, ip: string, createdAt = T0, kind = 'vm', networkId = NET) => ({
  type: 'RecordsRegistered' as const,
  data: create(RecordsRegisteredSchema, { networkId, resourceId, kind, name, ip, resourceCreatedAt: timestampFromMs(createdAt) }),
});
const removed = (resourceId: string) => ({
  type: 'RecordsRemoved' as const,
  data: create(RecordsRemovedSchema, { networkId: NET, resourceId, removedAt: timestampFromMs(T0 + 60_000) }),
});

const REVERSE = '0.10.in-addr.arpa';

function view() {
  const index = new ZoneIndex();
  index.apply(registered('vm_1', 'web', '10.0.1.1'));
  index.apply(registered('db_1', 'pg', '10.0.2.1', T0, 'database'));
  return index;
}

describe('answerInView: the forward zone', () => {
  const index = view();

  it('answers SOA and NS at the apex of internal.', () => {
    expect(answerInView(index, NET, 'internal', 'SOA')).toEqual({ kind: 'answer', zone: 'internal', records: [{ type: 'SOA' }] });
    expect(answerInView(index, NET, 'internal', 'NS')).toEqual({ kind: 'answer', zone: 'internal', records: [{ type: 'NS' }] });
    expect(answerInView(index, NET, 'internal', 'A')).toEqual({ kind: 'nodata', zone: 'internal' });
  });

  it('answers the apex in every view, also one with no resources', () => {
    expect(answerInView(new ZoneIndex(), 'net_empty', 'internal', 'SOA')).toMatchObject({ kind: 'answer' });
  });

  it('answers AAAA (or any other type) of an existing name with NODATA', () => {
    for (const type of ['AAAA', 'MX', 'TXT', 'SOA', 'PTR', 'TYPE65']) {
      expect(answerInView(index, NET, 'web.vm.internal', type)).toEqual({ kind: 'nodata', zone: 'internal' });
    }
  });

  it('answers ANY minimally: one RRset (RFC 8482)', () => {
    expect(answerInView(index, NET, 'web.vm.internal', 'ANY')).toEqual({ kind: 'answer', zone: 'internal', records: [{ type: 'A', address: '10.0.1.1' }] });
    expect(answerInView(index, NET, 'internal', 'ANY')).toEqual({ kind: 'answer', zone: 'internal', records: [{ type: 'SOA' }] });
  });

  it('answers names that only have names below them with NODATA, not NXDOMAIN (RFC 8020)', () => {
    expect(answerInView(index, NET, 'vm.internal', 'A')).toEqual({ kind: 'nodata', zone: 'internal' });
    expect(answerInView(index, NET, 'storage.internal', 'A')).toEqual({ kind: 'nodata', zone: 'internal' });
    expect(answerInView(index, NET, 'nope.vm.internal', 'A')).toEqual({ kind: 'nxdomain', zone: 'internal' });
  });
});

describe('answerInView: the reverse zone of the network', () => {
  it('answers a PTR to the primary name of the address holder', () => {
    const index = view();

    expect(answerInView(index, NET, '1.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'answer', zone: REVERSE, records: [{ type: 'PTR', target: 'web.vm.internal' }] });
    expect(answerInView(index, NET, '1.2.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'answer', zone: REVERSE, records: [{ type: 'PTR', target: 'pg.internal' }] });
    expect(answerInView(index, NET, '1.1.0.10.in-addr.arpa', 'A')).toEqual({ kind: 'nodata', zone: REVERSE });
  });

  it('gives the reverse name to the older of two holders, and passes it on when that one goes', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_new', 'b', '10.0.1.9', T0 + 1000));
    index.apply(registered('vm_old', 'a', '10.0.1.9', T0));

    expect(answerInView(index, NET, '9.1.0.10.in-addr.arpa', 'PTR')).toMatchObject({ records: [{ target: 'a.vm.internal' }] });
    index.apply(removed('vm_old'));
    expect(answerInView(index, NET, '9.1.0.10.in-addr.arpa', 'PTR')).toMatchObject({ records: [{ target: 'b.vm.internal' }] });
  });

  it('follows a move: the old address loses its PTR, the new one gains it', () => {
    const index = view();
    index.apply(registered('vm_1', 'web', '10.0.1.7'));

    expect(answerInView(index, NET, '1.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nxdomain', zone: REVERSE });
    expect(answerInView(index, NET, '7.1.0.10.in-addr.arpa', 'PTR')).toMatchObject({ records: [{ target: 'web.vm.internal' }] });
  });

  it('answers SOA and NS at the apex of the /16, NODATA for a /24 with addresses, NXDOMAIN below otherwise', () => {
    const index = view();

    expect(answerInView(index, NET, REVERSE, 'SOA')).toEqual({ kind: 'answer', zone: REVERSE, records: [{ type: 'SOA' }] });
    expect(answerInView(index, NET, REVERSE, 'NS')).toEqual({ kind: 'answer', zone: REVERSE, records: [{ type: 'NS' }] });
    expect(answerInView(index, NET, '1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nodata', zone: REVERSE });
    expect(answerInView(index, NET, '9.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nxdomain', zone: REVERSE });
    expect(answerInView(index, NET, '2.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nxdomain', zone: REVERSE });
    expect(answerInView(index, NET, 'x.1.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nxdomain', zone: REVERSE });
    expect(answerInView(index, NET, '01.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'nxdomain', zone: REVERSE });
  });

  it('refuses reverse names outside the view’s /16, whoever holds them elsewhere', () => {
    const index = view();
    index.apply(registered('vm_9', 'other', '10.5.1.1', T0, 'vm', 'net_b'));

    for (const name of ['1.1.5.10.in-addr.arpa', '5.10.in-addr.arpa', '10.in-addr.arpa', 'in-addr.arpa', '8.8.8.8.in-addr.arpa']) {
      expect(answerInView(index, NET, name, 'PTR')).toEqual({ kind: 'refused' });
    }
    expect(answerInView(new ZoneIndex(), NET, '1.1.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'refused' });
  });

  it('survives a checkpoint: PTRs and the reverse zone come back from the saved claims', () => {
    const restored = ZoneIndex.fromJson(JSON.parse(JSON.stringify(view().toJson())));

    expect(answerInView(restored, NET, '1.1.0.10.in-addr.arpa', 'PTR')).toMatchObject({ records: [{ target: 'web.vm.internal' }] });
    expect(answerInView(restored, NET, REVERSE, 'SOA')).toMatchObject({ kind: 'answer' });
  });
});
