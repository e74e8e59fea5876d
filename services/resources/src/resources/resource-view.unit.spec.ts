import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { ResourceRequestedSchema, VmSpecsSchema } from '@pn/contracts';
import type { ResourceFacts } from '@pn/resources-domain';
import { resourceView } from './resource-view.js';

const vm = (image: string): ResourceFacts => ({
  status: 'running',
  request: create(ResourceRequestedSchema, {
    resourceId: 'vm_01jtest',
    kind: 'vm',
    accountId: 'acc_1',
    name: 'web',
    project: 'default',
    image,
    vmSpecs: create(VmSpecsSchema, { vcpus: 2, memoryGb: 4, diskGb: 80 }),
  }),
  createdAt: new Date(0),
  privateIp: '10.0.1.1',
  hostnames: [],
  publicAccess: false,
  failure: undefined,
  ports: [],
  publicLease: undefined,
  endingLeases: [],
  domains: [],
});

describe('resourceView', () => {
  it('shows the service ports of the VM’s image', () => {
    expect(resourceView(vm('nodejs-24')).servicePorts).toEqual([3000]);
    expect(resourceView(vm('ubuntu-24')).servicePorts).toEqual([]);
  });

  // VMs with such images were recorded before images were checked as own
  // entries of the catalog; reading them must not fail (it made every list of the account a 500).
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'windows-11'])('shows a VM recorded with the image %s, with no service ports', (image) => {
    const view = resourceView(vm(image));
    expect(view.servicePorts).toEqual([]);
    expect(view.image).toBe(image);
  });
});
