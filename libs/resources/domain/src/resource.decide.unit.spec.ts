import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ResourceRequestedSchema, VmSpecsSchema, type ResourceRequested } from '@pn/contracts';
import { fold, spec } from '@pn/decider';
import { resourceDecider, type ResourceCommand, type ResourceRequest } from './resource.decide.js';
import type { ResourceEvent } from './resource.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ID = 'vm_01jtest';
const specs = create(VmSpecsSchema, { vcpus: 2, memoryGb: 4, diskGb: 80 });
const at = (ms: number) => new Date(T0 + ms);

const base: ResourceRequest = {
  resourceId: ID,
  kind: 'vm',
  accountId: 'acc_1',
  projectId: 'prj_1',
  project: 'default',
  networkId: 'net_1',
  networkCidr: '10.0.0.0/16',
  name: 'agent-worker-1',
  region: 'us-east-1',
  vmSpecs: specs,
};

const room = { limit: 10, used: 3 };
const request = (overrides: Partial<ResourceRequest> = {}, quota = room): ResourceCommand => ({ type: 'RequestResource', ...base, ...overrides, now: at(0), quota });

const requested = (overrides: Partial<Omit<ResourceRequested, '$typeName' | '$unknown'>> = {}): ResourceEvent => ({
  type: 'ResourceRequested',
  data: create(ResourceRequestedSchema, { ...base, image: 'ubuntu-24', requestedAt: timestampFromMs(T0), ...overrides }),
});
const step = (type: string, extra: object = {}, ms = 1) => ({ type, resourceId: ID, now: at(ms), ...extra }) as ResourceCommand;
/** The events a command produces in a state reached by earlier commands. */
const run = (commands: ResourceCommand[]): ResourceEvent[] => {
  const events: ResourceEvent[] = [];
  for (const command of commands) events.push(...resourceDecider.decide(command, fold(resourceDecider, events)));
  return events;
};
const hostnames = ['agent-worker-1.vm.internal', 'agent-worker-1', `${ID}.vm.internal`];
const provisioned = run([request(), step('AssignAddress', { privateIp: '10.0.1.1' }), step('PublishHostnames', { hostnames })]);

describe('resource decider: creating', () => {
  const resource = spec(resourceDecider);

  it('records a request for a VM, with the default image', () => {
    resource.given([]).when(request()).then([requested()]);
  });

  it('records a database with its engine, default version and role', () => {
    resource
      .given([])
      .when(request({ kind: 'database', vmSpecs: undefined, name: 'agent-postgres' }))
      .then([requested({ kind: 'database', vmSpecs: undefined, name: 'agent-postgres', image: '', engine: 'postgresql', version: '16', role: 'primary' })]);
    resource
      .given([])
      .when(request({ kind: 'database', vmSpecs: undefined, name: 'agent-postgres-replica', primaryId: 'db_1', version: '18' }))
      .then([
        requested({ kind: 'database', vmSpecs: undefined, name: 'agent-postgres-replica', image: '', engine: 'postgresql', version: '18', role: 'replica', primaryId: 'db_1' }),
      ]);
  });

  it('refuses an unknown engine, version, image or kind, naming the field', () => {
    expect(resource.given([]).when(request({ kind: 'database', engine: 'mysql' })).thenThrows('invalid_request').details.field).toBe('engine');
    expect(resource.given([]).when(request({ kind: 'cache', version: '6' })).thenThrows('invalid_request').details.field).toBe('version');
    expect(resource.given([]).when(request({ image: 'windows-11' })).thenThrows('invalid_request').details.field).toBe('image');
    resource.given([]).when(request({ kind: 'printer' })).thenThrows('invalid_kind');
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('refuses the image %s, a name every object inherits', (image) => {
    expect(resource.given([]).when(request({ image })).thenThrows('invalid_request').details.field).toBe('image');
  });

  it.each(['toString', '__proto__', 'constructor'])('refuses the version %s of a database', (version) => {
    expect(resource.given([]).when(request({ kind: 'database', vmSpecs: undefined, version })).thenThrows('invalid_request').details.field).toBe('version');
  });

  it('treats a second request with the same id as a retry', () => {
    resource.given([requested()]).when(request()).thenNothingHappened();
  });

  it('refuses the id of another account’s resource, or of another kind', () => {
    resource.given([requested()]).when(request({ accountId: 'acc_2' })).thenThrows('resource_id_taken');
    resource.given([requested()]).when(request({ kind: 'bucket', vmSpecs: undefined })).thenThrows('resource_id_taken');
  });

  it('refuses a resource past its network’s quota, naming the limit, and never a retry of one that exists', () => {
    const full = { limit: 10, used: 10 };
    const refusal = resource.given([]).when(request({}, full)).thenThrows('quota_exceeded');
    expect(refusal.details).toEqual({ field: 'resources', limit: 10 });
    expect(refusal.message).toMatch(/at most 10 resources per network/);
    // The slot a deleted resource freed is there for the next one.
    resource.given([]).when(request({}, { limit: 10, used: 9 })).then([requested()]);
    // The create retried (same id) after the network filled up finds what the first attempt made.
    resource.given([requested()]).when(request({}, full)).thenNothingHappened();
    // A request that is wrong anyway says so first.
    resource.given([]).when(request({ name: 'Bad_Name' }, full)).thenThrows('invalid_name');
  });

  it('rejects a name that is no RFC 1123 label, saying which rule it broke', () => {
    for (const bad of ['', 'Agent', 'a_b', '-a', 'a-', 'a'.repeat(64), 'a.b']) {
      resource.given([]).when(request({ name: bad })).thenThrows('invalid_name');
    }
  });

  it('becomes ready with its DNS names, which need its address first, and keeps the address for life', () => {
    resource.given([requested()]).when(step('PublishHostnames', { hostnames })).thenThrows('not_ready');
    expect(provisioned.map((e) => e.type)).toEqual(['ResourceRequested', 'AddressAssigned', 'HostnamesPublished', 'ResourceProvisioned']);
    expect(fold(resourceDecider, provisioned)).toMatchObject({ status: 'running', privateIp: '10.0.1.1' });
    resource.given(provisioned).when(step('PublishHostnames', { hostnames })).thenNothingHappened();
    resource.given(provisioned).when(step('AssignAddress', { privateIp: '10.0.1.1' })).thenNothingHappened();
    resource.given(provisioned).when(step('AssignAddress', { privateIp: '10.0.1.9' })).thenThrows('address_already_assigned');
  });

  it('fails a create that cannot complete, once', () => {
    const failed = run([request(), step('FailProvisioning', { code: 'address_space_exhausted', reason: 'full' })]);
    expect(fold(resourceDecider, failed)).toMatchObject({ status: 'failed', failure: { code: 'address_space_exhausted' } });
    resource.given(failed).when(step('FailProvisioning', { code: 'x', reason: 'y' })).thenNothingHappened();
    resource.given(provisioned).when(step('FailProvisioning', { code: 'x', reason: 'y' })).thenNothingHappened();
  });
});

describe('resource decider: living', () => {
  const resource = spec(resourceDecider);

  it('stops and starts a VM, keeping its address', () => {
    const events = [...provisioned, ...resourceDecider.decide(step('Stop', {}, 10), fold(resourceDecider, provisioned))];
    expect(fold(resourceDecider, events)).toMatchObject({ status: 'stopped', privateIp: '10.0.1.1' });
    resource.given(events).when(step('Stop', {}, 11)).thenNothingHappened();
    const restarted = [...events, ...resourceDecider.decide(step('Start', {}, 12), fold(resourceDecider, events))];
    expect(fold(resourceDecider, restarted)).toMatchObject({ status: 'running', privateIp: '10.0.1.1' });
  });

  it('refuses to stop what is not a running VM', () => {
    resource.given([requested()]).when(step('Stop')).thenThrows('invalid_state');
    resource.given([requested({ kind: 'database' })]).when(step('Stop')).thenThrows('invalid_request');
  });

  it('opens a database to the public only when asked, and not a VM', () => {
    const db = run([request({ kind: 'database', vmSpecs: undefined })]);
    resource.given(db).when(step('SetPublicAccess', { publicAccess: false })).thenNothingHappened();
    const opened = resourceDecider.decide(step('SetPublicAccess', { publicAccess: true, leaseId: 'pip_1' }), fold(resourceDecider, db));
    // It also asks for a public address (public-exposure.unit.spec.ts follows the lease).
    expect(opened.map((e) => e.type)).toEqual(['PublicAccessChanged', 'PublicAddressRequested']);
    resource.given(provisioned).when(step('SetPublicAccess', { publicAccess: true })).thenThrows('invalid_request');
  });
});

describe('resource decider: deleting', () => {
  const resource = spec(resourceDecider);

  it('withdraws names before giving the address back, then is gone', () => {
    const events = [...provisioned];
    const apply = (command: ResourceCommand) => events.push(...resourceDecider.decide(command, fold(resourceDecider, events)));
    apply(step('RequestDeletion', {}, 20));
    resource.given(events).when(step('ReturnAddress', {}, 21)).thenThrows('not_ready');
    resource.given(events).when(step('MarkDeleted', {}, 21)).thenThrows('not_ready');
    apply(step('WithdrawHostnames', {}, 21));
    apply(step('ReturnAddress', {}, 22));
    expect(resourceDecider.isTerminal!(fold(resourceDecider, events))).toBe(false);
    apply(step('MarkDeleted', {}, 23));
    // Over: command handlers may drop it from their caches.
    expect(resourceDecider.isTerminal!(fold(resourceDecider, events))).toBe(true);
    expect(events.slice(4).map((e) => e.type)).toEqual(['ResourceDeletionRequested', 'HostnamesWithdrawn', 'AddressReturned', 'ResourceDeleted']);
    resource.given(events).when(step('RequestDeletion', {}, 30)).thenThrows('not_found');
  });

  it('records an address or names that arrive after a delete, so they are given back too', () => {
    const deleting = run([request(), step('RequestDeletion', {}, 2)]);
    const late = run([request(), step('RequestDeletion', {}, 2), step('AssignAddress', { privateIp: '10.0.1.1' }, 3), step('PublishHostnames', { hostnames }, 4)]);
    expect(late.slice(deleting.length).map((e) => e.type)).toEqual(['AddressAssigned', 'HostnamesPublished']);
    expect(fold(resourceDecider, late)).toMatchObject({ status: 'deleting', privateIp: '10.0.1.1', hostnames });
  });

  it('does not give back an address before the resource stops using it', () => {
    resource.given(provisioned).when(step('ReturnAddress')).thenThrows('invalid_state');
  });

  it('refuses steps for a resource that does not exist', () => {
    resource.given([]).when(step('Stop')).thenThrows('not_found');
  });
});
