import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  AddressReturnedSchema,
  AddressScope,
  PublicAddressAssignedSchema,
  PublicAddressReturnedSchema,
  ResourceDeletedSchema,
  ResourceRequestedSchema,
} from '@pn/contracts';
import type { ResourceEvent } from '@pn/resources-domain';
import { factsOf, rememberResource, type AddressFactsState } from './address-facts.js';

const id = 'vm_01j9abc';
const requested: ResourceEvent = {
  type: 'ResourceRequested',
  data: create(ResourceRequestedSchema, { resourceId: id, kind: 'vm', accountId: 'acc_1', projectId: 'prj_1', networkId: 'net_1', name: 'web' }),
};
const assigned: ResourceEvent = {
  type: 'AddressAssigned',
  data: create(AddressAssignedSchema, { resourceId: id, privateIp: '10.0.1.1', assignedAt: timestampFromMs(1000) }),
};
const returned: ResourceEvent = {
  type: 'AddressReturned',
  data: create(AddressReturnedSchema, { resourceId: id, privateIp: '10.0.1.1', returnedAt: timestampFromMs(5000) }),
};
const deleted: ResourceEvent = { type: 'ResourceDeleted', data: create(ResourceDeletedSchema, { resourceId: id }) };

/** given events, when one more arrives, then these facts. */
function given(events: ResourceEvent[]): AddressFactsState {
  return events.reduce((s, e) => rememberResource(s, id, e), new Map() as AddressFactsState);
}

describe('integration facts of resource events', () => {
  it('says an address is held from its assignment, by the resource of its account and project', () => {
    const [fact] = factsOf(given([requested]), id, 'ev-2', assigned);
    expect(fact?.subject).toBe('address_held');
    expect(fact?.data).toMatchObject({
      sourceEventId: 'ev-2',
      scope: AddressScope.PRIVATE,
      ip: '10.0.1.1',
      networkId: 'net_1',
      resourceId: id,
      accountId: 'acc_1',
      projectId: 'prj_1',
      resourceName: 'web',
      heldFrom: { seconds: 1n },
    });
  });

  it('says the holding ends when the address is returned', () => {
    const [fact] = factsOf(given([requested, assigned]), id, 'ev-3', returned);
    expect(fact?.subject).toBe('address_hold_ended');
    expect(fact?.data).toMatchObject({ ip: '10.0.1.1', heldUntil: { seconds: 5n }, accountId: 'acc_1' });
  });

  it('states nothing for a repeated assignment, a return of nothing, or an unknown resource', () => {
    expect(factsOf(given([requested, assigned]), id, 'x', assigned)).toEqual([]);
    expect(factsOf(given([requested]), id, 'x', returned)).toEqual([]);
    expect(factsOf(new Map(), id, 'x', assigned)).toEqual([]);
  });

  it('forgets a deleted resource, so its state stays as large as the live resources', () => {
    expect(given([requested, assigned, returned, deleted]).size).toBe(0);
  });

  it('changes nothing while working out the facts (a failed publish can be tried again)', () => {
    const state = given([requested]);
    factsOf(state, id, 'ev-2', assigned);
    expect(state.get(id)?.privateIp).toBeUndefined();
  });
});

describe('integration facts of public addresses', () => {
  const assignedPublic: ResourceEvent = {
    type: 'PublicAddressAssigned',
    data: create(PublicAddressAssignedSchema, { resourceId: id, leaseId: 'pip_1', publicIp: '203.0.113.7', pool: '203.0.113.0/24', assignedAt: timestampFromMs(2000) }),
  };
  const returnedPublic: ResourceEvent = {
    type: 'PublicAddressReturned',
    data: create(PublicAddressReturnedSchema, { resourceId: id, leaseId: 'pip_1', publicIp: '203.0.113.7', returnedAt: timestampFromMs(9000) }),
  };

  it('says a public address is held (scope PUBLIC) from its assignment', () => {
    const [fact] = factsOf(given([requested, assigned]), id, 'ev-9', assignedPublic);
    expect(fact?.subject).toBe('address_held');
    expect(fact?.data).toMatchObject({ scope: AddressScope.PUBLIC, ip: '203.0.113.7', networkId: 'net_1', accountId: 'acc_1', resourceName: 'web', heldFrom: { seconds: 2n } });
  });

  it('says the public holding ends when ipam has it back, and only once', () => {
    const state = given([requested, assigned, assignedPublic]);
    const [fact] = factsOf(state, id, 'ev-10', returnedPublic);
    expect(fact?.subject).toBe('address_hold_ended');
    expect(fact?.data).toMatchObject({ scope: AddressScope.PUBLIC, ip: '203.0.113.7', heldUntil: { seconds: 9n } });
    expect(factsOf(given([requested, assigned, assignedPublic, returnedPublic]), id, 'x', returnedPublic)).toEqual([]);
    expect(factsOf(state, id, 'x', assignedPublic)).toEqual([]);
  });

  it('keeps the private holding apart from the public one', () => {
    const state = given([requested, assigned, assignedPublic]);
    expect(state.get(id)).toMatchObject({ privateIp: '10.0.1.1', publicIps: { pip_1: '203.0.113.7' } });
  });
});
