import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  AddressReturnedSchema,
  AddressScope,
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
