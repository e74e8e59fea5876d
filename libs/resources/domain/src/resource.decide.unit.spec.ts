import { describe, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  HostnamesPublishedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
  VmSpecsSchema,
} from '@pn/contracts';
import { spec } from '@pn/decider';
import { resourceDecider, type ResourceCommand } from './resource.decide.js';
import type { ResourceEvent } from './resource.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ID = 'vm_01jtest';
const specs = create(VmSpecsSchema, { vcpus: 2, memoryGb: 4, diskGb: 80 });

const request = (name = 'agent-worker-1'): ResourceCommand => ({
  type: 'RequestResource',
  resourceId: ID,
  kind: 'vm',
  accountId: 'acc_1',
  projectId: 'prj_1',
  project: 'default',
  networkId: 'net_1',
  networkCidr: '10.0.0.0/16',
  name,
  region: 'us-east-1',
  vmSpecs: specs,
  now: new Date(T0),
});

const requested: ResourceEvent = {
  type: 'ResourceRequested',
  data: create(ResourceRequestedSchema, {
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
    requestedAt: timestampFromMs(T0),
  }),
};
const assigned = (ip: string): ResourceEvent => ({
  type: 'AddressAssigned',
  data: create(AddressAssignedSchema, { resourceId: ID, privateIp: ip, assignedAt: timestampFromMs(T0 + 1) }),
});
const hostnames = ['agent-worker-1.vm.internal', 'agent-worker-1', `${ID}.vm.internal`];
const published: ResourceEvent = {
  type: 'HostnamesPublished',
  data: create(HostnamesPublishedSchema, { resourceId: ID, hostnames, publishedAt: timestampFromMs(T0 + 2) }),
};
const provisioned: ResourceEvent = {
  type: 'ResourceProvisioned',
  data: create(ResourceProvisionedSchema, { resourceId: ID, provisionedAt: timestampFromMs(T0 + 3) }),
};

describe('resource decider', () => {
  const resource = spec(resourceDecider);

  it('records a request for a VM', () => {
    resource.given([]).when(request()).then([requested]);
  });

  it('treats a second request with the same id as a retry', () => {
    resource.given([requested]).when(request()).thenNothingHappened();
  });

  it('rejects a name that is no RFC 1123 label, saying which rule it broke', () => {
    for (const bad of ['', 'Agent', 'a_b', '-a', 'a-', 'a'.repeat(64), 'a.b']) {
      resource.given([]).when(request(bad)).thenThrows('invalid_name');
    }
    resource.given([]).when(request('a'.repeat(63))).then([{ ...requested, data: create(ResourceRequestedSchema, { ...requested.data, name: 'a'.repeat(63) }) }]);
  });

  it('assigns an address once, and keeps it for life', () => {
    resource.given([requested]).when({ type: 'AssignAddress', resourceId: ID, privateIp: '10.0.1.1', now: new Date(T0 + 1) }).then([assigned('10.0.1.1')]);
    resource.given([requested, assigned('10.0.1.1')]).when({ type: 'AssignAddress', resourceId: ID, privateIp: '10.0.1.1', now: new Date(T0 + 9) }).thenNothingHappened();
    resource.given([requested, assigned('10.0.1.1')]).when({ type: 'AssignAddress', resourceId: ID, privateIp: '10.0.1.2', now: new Date(T0 + 9) }).thenThrows('address_already_assigned');
  });

  it('becomes ready only once it has an address and DNS records', () => {
    const ready = { type: 'MarkProvisioned', resourceId: ID, now: new Date(T0 + 3) } as const;
    resource.given([requested]).when(ready).thenThrows('not_ready');
    resource.given([requested, assigned('10.0.1.1')]).when(ready).thenThrows('not_ready');
    resource.given([requested, assigned('10.0.1.1'), published]).when(ready).then([provisioned]);
    resource.given([requested, assigned('10.0.1.1'), published, provisioned]).when(ready).thenNothingHappened();
  });

  it('publishes hostnames once', () => {
    const publish = { type: 'PublishHostnames', resourceId: ID, hostnames, now: new Date(T0 + 2) } as const;
    resource.given([requested, assigned('10.0.1.1')]).when(publish).then([published]);
    resource.given([requested, assigned('10.0.1.1'), published]).when(publish).thenNothingHappened();
  });

  it('refuses steps for a resource that does not exist', () => {
    resource.given([]).when({ type: 'MarkProvisioned', resourceId: ID, now: new Date(T0) }).thenThrows('not_found');
  });
});
