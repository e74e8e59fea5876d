import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema, RecordsRemovedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { zoneDecider, type ZoneCommand, type ZoneEvent } from './zone.js';
import { ZoneIndex } from './zone-index.js';
import { answerInView } from './view-answer.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const NET = 'net_a';

const register = (resourceId: string, name: string, ip: string, createdAt = T0, kind = 'vm'): ZoneCommand => ({
  type: 'RegisterRecords',
  networkId: NET,
  resourceId,
  kind,
  name,
  ip,
  resourceCreatedAt: new Date(createdAt),
  now: new Date(T0 + 5),
});

const registered = (resourceId: string, name: string, ip: string, createdAt = T0, kind = 'vm', networkId = NET): ZoneEvent => ({
  type: 'RecordsRegistered',
  data: create(RecordsRegisteredSchema, {
    networkId,
    resourceId,
    kind,
    name,
    ip,
    resourceCreatedAt: timestampFromMs(createdAt),
    registeredAt: timestampFromMs(T0 + 5),
  }),
});

describe('zone decider', () => {
  const zone = spec(zoneDecider);

  it('registers a resource’s records', () => {
    zone.given([]).when(register('vm_1', 'web', '10.0.1.1')).then([registered('vm_1', 'web', '10.0.1.1')]);
  });

  it('treats the same registration again as a retry', () => {
    zone.given([registered('vm_1', 'web', '10.0.1.1')]).when(register('vm_1', 'web', '10.0.1.1')).thenNothingHappened();
  });

  it('moves the records when the resource’s address changes', () => {
    zone
      .given([registered('vm_1', 'web', '10.0.1.1')])
      .when(register('vm_1', 'web', '10.0.1.9'))
      .then([registered('vm_1', 'web', '10.0.1.9')]);
  });
});

const removed = (resourceId: string): ZoneEvent => ({
  type: 'RecordsRemoved',
  data: create(RecordsRemovedSchema, { networkId: NET, resourceId, removedAt: timestampFromMs(T0 + 9) }),
});

describe('zone decider: removal', () => {
  const zone = spec(zoneDecider);
  const remove: ZoneCommand = { type: 'RemoveRecords', networkId: NET, resourceId: 'vm_1', now: new Date(T0 + 9) };

  it('removes a resource’s records once', () => {
    zone.given([registered('vm_1', 'web', '10.0.1.1')]).when(remove).then([removed('vm_1')]);
    zone.given([registered('vm_1', 'web', '10.0.1.1'), removed('vm_1')]).when(remove).thenNothingHappened();
  });

  it('refuses a registration that arrives after the removal, even of a resource it never knew', () => {
    zone.given([]).when(remove).then([removed('vm_1')]);
    zone.given([removed('vm_1')]).when(register('vm_1', 'web', '10.0.1.1')).thenThrows('resource_retired');
  });
});

const aRecord = (address: string) => ({ kind: 'answer', zone: 'internal', records: [{ type: 'A', address }] });

describe('zone index', () => {
  it('stops answering a removed resource at once, and passes a shared name to the next oldest', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_old', 'api', '10.0.1.1', T0));
    index.apply(registered('vm_new', 'api', '10.0.1.2', T0 + 1000));
    index.apply(removed('vm_old'));
    expect(answerInView(index, NET, 'api', 'A')).toEqual(aRecord('10.0.1.2'));
    expect(answerInView(index, NET, 'vm_old.vm.internal', 'A')).toEqual({ kind: 'nxdomain', zone: 'internal' });
    index.apply(removed('vm_new'));
    expect(answerInView(index, NET, 'api.vm.internal', 'A')).toEqual({ kind: 'nxdomain', zone: 'internal' });
  });

  it('answers the kind’s name, the bare name and the id name', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_1', 'web', '10.0.1.1'));
    index.apply(registered('db_1', 'pg', '10.0.2.1', T0, 'database'));
    index.apply(registered('bkt_1', 'files', '10.0.4.1', T0, 'bucket'));
    for (const name of ['web.vm.internal', 'web', 'vm_1.vm.internal']) {
      expect(answerInView(index, NET, name, 'A')).toEqual(aRecord('10.0.1.1'));
    }
    expect(answerInView(index, NET, 'pg.internal', 'A')).toEqual(aRecord('10.0.2.1'));
    expect(answerInView(index, NET, 'files.storage.internal', 'A')).toEqual(aRecord('10.0.4.1'));
    expect(answerInView(index, NET, 'web.internal', 'A')).toEqual({ kind: 'nxdomain', zone: 'internal' });
  });

  it('gives a shared name to the older resource, whatever order the events come in', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_new', 'api', '10.0.1.2', T0 + 1000));
    index.apply(registered('vm_old', 'api', '10.0.1.1', T0));
    expect(answerInView(index, NET, 'api.vm.internal', 'A')).toEqual(aRecord('10.0.1.1'));
    expect(answerInView(index, NET, 'vm_new.vm.internal', 'A')).toEqual(aRecord('10.0.1.2'));
  });

  it('keeps networks apart: a name of another network is NXDOMAIN', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_1', 'web', '10.0.1.1', T0, 'vm', 'net_b'));
    expect(answerInView(index, NET, 'web.vm.internal', 'A')).toEqual({ kind: 'nxdomain', zone: 'internal' });
    expect(answerInView(index, 'net_b', 'web.vm.internal', 'A')).toEqual(aRecord('10.0.1.1'));
  });

  it('moves a hostname to the new address and is unchanged by a redelivered event', () => {
    const index = new ZoneIndex();
    index.apply(registered('vm_1', 'web', '10.0.1.1'));
    index.apply(registered('vm_1', 'web', '10.0.1.7'));
    index.apply(registered('vm_1', 'web', '10.0.1.7'));
    expect(answerInView(index, NET, 'web', 'A')).toEqual(aRecord('10.0.1.7'));
  });
});
