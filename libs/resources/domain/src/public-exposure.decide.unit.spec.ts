// Public exposure of one resource as given / when / then: ports, the public
// address lease, public_access, domains, and teardown giving it all back.
import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PortClosedSchema, PortOpenedSchema, PublicAddressGivenUpSchema, PublicAddressRequestedSchema, VmSpecsSchema } from '@pn/contracts';
import { fold, spec } from '@pn/decider';
import { resourceDecider, type ResourceCommand, type ResourceRequest } from './resource.decide.js';
import type { ResourceEvent, ResourceFacts } from './resource.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ID = 'vm_01jtest';
const at = (ms: number) => new Date(T0 + ms);
const base: ResourceRequest = {
  resourceId: ID,
  kind: 'vm',
  accountId: 'acc_1',
  projectId: 'prj_1',
  project: 'default',
  networkId: 'net_1',
  networkCidr: '10.0.0.0/16',
  name: 'api',
  region: 'us-east-1',
  vmSpecs: create(VmSpecsSchema, { vcpus: 2, memoryGb: 4, diskGb: 80 }),
};
const request = (overrides: Partial<ResourceRequest> = {}): ResourceCommand => ({ type: 'RequestResource', ...base, ...overrides, now: at(0), quota: { limit: 10, used: 0 }, leaseId: 'pip_0' });
const step = (type: string, extra: object = {}, ms = 1) => ({ type, resourceId: ID, now: at(ms), ...extra }) as ResourceCommand;
const run = (commands: ResourceCommand[], events: ResourceEvent[] = []): ResourceEvent[] => {
  const all = [...events];
  for (const command of commands) all.push(...resourceDecider.decide(command, fold(resourceDecider, all)));
  return all;
};
const stateOf = (events: ResourceEvent[]) => fold(resourceDecider, events) as ResourceFacts;
const ready = (image = 'ubuntu-24') => run([request({ image }), step('AssignAddress', { privateIp: '10.0.1.1' }), step('PublishHostnames', { hostnames: ['api.vm.internal'] })]);
const opened = (port: number, protocol = 'tcp'): ResourceEvent => ({ type: 'PortOpened', data: create(PortOpenedSchema, { resourceId: ID, port, protocol, openedAt: timestampFromMs(T0 + 1) }) });
const leaseAsked = (leaseId: string): ResourceEvent => ({ type: 'PublicAddressRequested', data: create(PublicAddressRequestedSchema, { resourceId: ID, leaseId, requestedAt: timestampFromMs(T0 + 1) }) });

describe('ports', () => {
  const resource = spec(resourceDecider);

  it('the first open port asks for a public address; the next ones do not', () => {
    resource.given(ready()).when(step('OpenPort', { port: 8080, protocol: 'tcp', leaseId: 'pip_1' })).then([opened(8080), leaseAsked('pip_1')]);
    resource.given([...ready(), opened(8080), leaseAsked('pip_1')]).when(step('OpenPort', { port: 22, protocol: 'tcp', leaseId: 'pip_2' })).then([opened(22)]);
  });

  it('an open port again is a no-op; the same port with another protocol is a conflict', () => {
    const open = [...ready(), opened(8080), leaseAsked('pip_1')];
    resource.given(open).when(step('OpenPort', { port: 8080, protocol: 'tcp', leaseId: 'pip_2' })).thenNothingHappened();
    resource.given(open).when(step('OpenPort', { port: 8080, protocol: 'http', leaseId: 'pip_2' })).thenThrows('port_conflict');
  });

  it('refuses ports outside 1–65535, other protocols, and kinds other than vm, naming the field', () => {
    for (const port of [0, 65536, -1, 1.5]) {
      expect(resource.given(ready()).when(step('OpenPort', { port, protocol: 'tcp', leaseId: 'p' })).thenThrows('invalid_request').details.field).toBe('port');
    }
    expect(resource.given(ready()).when(step('OpenPort', { port: 80, protocol: 'udp', leaseId: 'p' })).thenThrows('invalid_request').details.field).toBe('protocol');
    resource.given(run([request({ kind: 'database', vmSpecs: undefined })])).when(step('OpenPort', { port: 80, protocol: 'tcp', leaseId: 'p' })).thenThrows('invalid_request');
  });

  it('closing the last port gives the address up; closing one that is not open is not found', () => {
    const open = [...ready(), opened(8080), leaseAsked('pip_1')];
    resource
      .given(open)
      .when(step('ClosePort', { port: 8080 }, 2))
      .then([
        { type: 'PortClosed', data: create(PortClosedSchema, { resourceId: ID, port: 8080, closedAt: timestampFromMs(T0 + 2) }) },
        { type: 'PublicAddressGivenUp', data: create(PublicAddressGivenUpSchema, { resourceId: ID, leaseId: 'pip_1', givenUpAt: timestampFromMs(T0 + 2) }) },
      ]);
    resource.given(open).when(step('ClosePort', { port: 9 })).thenThrows('not_found');
  });

  it('opens nodejs-24’s port 3000 at creation, with a lease; never a database image’s', () => {
    const created = run([request({ image: 'nodejs-24' })]);
    expect(stateOf(created).ports).toEqual([{ port: 3000, protocol: 'http' }]);
    expect(stateOf(created).publicLease).toEqual({ leaseId: 'pip_0' });
    expect(stateOf(run([request({ image: 'postgres-18' })])).publicLease).toBeUndefined();
  });
});

describe('the public address lease', () => {
  it('is filled once, shown while wanted, and returned after being given up', () => {
    let events = run([step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_1' }), step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: '203.0.113.0/24' })], ready());
    expect(stateOf(events).publicLease).toEqual({ leaseId: 'pip_1', ip: '203.0.113.1', pool: '203.0.113.0/24' });
    expect(run([step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: '203.0.113.0/24' })], events)).toHaveLength(events.length);
    expect(() => run([step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.9', pool: '203.0.113.0/24' })], events)).toThrow(/already has/);
    events = run([step('ClosePort', { port: 80 })], events);
    expect(stateOf(events).publicLease).toBeUndefined();
    expect(stateOf(events).endingLeases).toEqual([{ leaseId: 'pip_1', ip: '203.0.113.1', pool: '203.0.113.0/24' }]);
    events = run([step('ReturnPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1' })], events);
    expect(stateOf(events).endingLeases).toEqual([]);
  });

  it('an address ipam gives a lease given up meanwhile is recorded on it, so it is returned; a returned lease’s is ignored', () => {
    let events = run([step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_1' }), step('ClosePort', { port: 80 }), step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_2' })], ready());
    events = run([step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: 'p' })], events);
    expect(stateOf(events).publicLease).toEqual({ leaseId: 'pip_2' });
    expect(stateOf(events).endingLeases).toEqual([{ leaseId: 'pip_1', ip: '203.0.113.1', pool: 'p' }]);
    const returned = run([step('ReturnPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1' })], events);
    expect(run([step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: 'p' })], returned)).toHaveLength(returned.length);
  });

  it('an empty pool undoes what asked for the address', () => {
    const events = run([step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_1' }), step('AbandonPublicAddress', { leaseId: 'pip_1' })], ready());
    expect(stateOf(events).ports).toEqual([]);
    expect(stateOf(events).publicLease).toBeUndefined();
  });

  it('public_access on a database asks for one, off gives it up', () => {
    const db = run([request({ kind: 'database', vmSpecs: undefined }), step('AssignAddress', { privateIp: '10.0.2.1' }), step('PublishHostnames', { hostnames: ['d.internal'] })]);
    const on = run([step('SetPublicAccess', { publicAccess: true, leaseId: 'pip_1' })], db);
    expect(stateOf(on).publicLease).toEqual({ leaseId: 'pip_1' });
    const off = run([step('SetPublicAccess', { publicAccess: false, leaseId: 'pip_2' })], on);
    expect(stateOf(off)).toMatchObject({ publicAccess: false, publicLease: undefined, endingLeases: [{ leaseId: 'pip_1' }] });
  });

  it('a deleted resource gives everything back before it is gone: names, domains, public address, private address', () => {
    let events = run(
      [
        step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_1' }),
        step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: 'p' }),
        step('AddDomain', { domain: 'api.example.com', token: 't' }),
        step('RequestDeletion'),
        step('WithdrawHostnames'),
      ],
      ready(),
    );
    expect(() => run([step('ReturnAddress'), step('MarkDeleted')], events)).toThrow(/still holds/);
    events = run([step('RemoveDomain', { domain: 'api.example.com' }), step('ReturnPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1' }), step('ReturnAddress'), step('MarkDeleted')], events);
    expect(stateOf(events).status).toBe('deleted');
  });
});

describe('domains on a VM', () => {
  const resource = spec(resourceDecider);
  const exposed = run([step('OpenPort', { port: 80, protocol: 'http', leaseId: 'pip_1' }), step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.1', pool: 'p' })], ready());

  it('needs a public address', () => {
    resource.given(ready()).when(step('AddDomain', { domain: 'api.example.com', token: 't' })).thenThrows('no_public_address');
  });

  it('is pending until verified with both records found; adding it again is a no-op', () => {
    const added = run([step('AddDomain', { domain: 'api.example.com', token: 't' })], exposed);
    expect(stateOf(added).domains).toMatchObject([{ domain: 'api.example.com', status: 'pending' }]);
    resource.given(added).when(step('AddDomain', { domain: 'api.example.com', token: 'other' })).thenNothingHappened();
    resource.given(added).when(step('VerifyDomain', { domain: 'api.example.com', found: false })).thenNothingHappened();
    expect(stateOf(run([step('VerifyDomain', { domain: 'api.example.com', found: true })], added)).domains[0]!.status).toBe('verified');
    resource.given(added).when(step('VerifyDomain', { domain: 'other.example.com', found: true })).thenThrows('not_found');
  });

  it('keeps the last port open while a domain points at the address', () => {
    const added = run([step('AddDomain', { domain: 'api.example.com', token: 't' })], exposed);
    resource.given(added).when(step('ClosePort', { port: 80 })).thenThrows('domains_attached');
  });
});
