// A live resource held compactly gives back the very ResourceFacts it was
// given, through memory and through a checkpoint, whatever it holds.
import { describe, expect, it } from '@jest/globals';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AddressAssignedSchema, hostnamesFor, HostnamesPublishedSchema, ResourceProvisionedSchema, ResourceRequestedSchema } from '@pn/contracts';
import { evolveResource, type ResourceEvent, type ResourceFacts, type ResourceState } from '@pn/resources-domain';
import { expand, HeldResources, isExposed, savedResource } from './held-resource.js';

const ID = 'vm_01jbz5k6a1m2n3p4q5r6s7t8v9';
const request = (more: Omit<MessageInitShape<typeof ResourceRequestedSchema>, '$typeName'> = {}) =>
  create(ResourceRequestedSchema, {
    resourceId: ID,
    kind: 'vm',
    accountId: 'acc_1',
    projectId: 'prj_1',
    networkId: 'net_1',
    name: 'web',
    region: 'us-east-1',
    project: 'default',
    networkCidr: '10.0.0.0/16',
    image: 'ubuntu-24',
    requestedAt: timestampFromMs(1_767_225_600_123),
    ...more,
  });
/** A VM as its events leave it: requested, given an address and its names, running. */
const plain = [
  { type: 'ResourceRequested', data: request() },
  { type: 'AddressAssigned', data: create(AddressAssignedSchema, { resourceId: ID, privateIp: '10.0.1.7' }) },
  { type: 'HostnamesPublished', data: create(HostnamesPublishedSchema, { resourceId: ID, hostnames: hostnamesFor('vm', 'web', ID) }) },
  { type: 'ResourceProvisioned', data: create(ResourceProvisionedSchema, { resourceId: ID }) },
].reduce<ResourceState>((state, event) => evolveResource(state, event as ResourceEvent), { status: 'absent' }) as ResourceFacts;

const cases: Array<[string, ResourceFacts]> = [
  ['a plain running VM', plain],
  ['one being provisioned, without address or names', { ...plain, status: 'provisioning', privateIp: undefined, hostnames: [] }],
  ['one whose request has no time', { ...plain, request: request({ requestedAt: undefined }), createdAt: new Date(0) }],
  ['an address that is not IPv4', { ...plain, privateIp: 'fd00::7' }],
  ['an address with a leading zero, kept as written', { ...plain, privateIp: '10.0.1.07' }],
  ['the highest IPv4 address', { ...plain, privateIp: '255.255.255.255' }],
  ['a database replica with specs', { ...plain, request: request({ kind: 'database', engine: 'postgresql', version: '17', role: 'replica', primaryId: 'db_1', vmSpecs: { vcpus: 2, memoryGb: 4, diskGb: 40 } }), hostnames: hostnamesFor('database', 'web', ID) }],
  [
    'one with everything public and a failure',
    {
      ...plain,
      status: 'failed',
      publicAccess: true,
      failure: { code: 'boom', reason: 'it broke' },
      ports: [{ port: 443, protocol: 'tcp' }],
      publicLease: { leaseId: 'pip_2', ip: '203.0.113.9', pool: '203.0.113.0/24' },
      endingLeases: [{ leaseId: 'pip_1', ip: '203.0.113.8' }],
      domains: [
        { domain: 'a.example', token: 't1', status: 'verified', addedAt: new Date(5), verifiedAt: new Date(9) },
        { domain: 'b.example', token: 't2', status: 'pending', addedAt: new Date(7) },
      ],
    },
  ],
];

describe('a resource held by the directory', () => {
  it.each(cases)('gives back %s as it was given', (_, facts) => {
    const held = new HeldResources().hold(ID, facts, 4);
    expect(held.revision).toBe(4);
    expect(expand(ID, held)).toEqual(facts);
  });

  it.each(cases)('gives back %s through a checkpoint', (_, facts) => {
    const held = new HeldResources().hold(ID, facts, 4);
    const saved = JSON.parse(JSON.stringify(savedResource(held)));
    expect(expand(ID, new HeldResources().restore(ID, saved))).toEqual(facts);
  });

  it('holds what resources of a network share once, and derives the names every resource gets', () => {
    const resources = new HeldResources();
    const a = resources.hold(ID, plain, 1);
    const b = resources.hold('vm_01jbz5k6a1m2n3p4q5r6s7t8vb', { ...plain, request: request({ resourceId: 'vm_01jbz5k6a1m2n3p4q5r6s7t8vb', name: 'api' }), hostnames: hostnamesFor('vm', 'api', 'vm_01jbz5k6a1m2n3p4q5r6s7t8vb') }, 1);
    expect(a.place).toBe(b.place);
    expect(a.profile).toBe(b.profile);
    expect([a.hostnames, a.rare, typeof a.privateIp]).toEqual([undefined, undefined, 'number']);
  });

  it('tells a resource with a public address or a custom domain without expanding it', () => {
    const resources = new HeldResources();
    expect(cases.map(([, facts]) => isExposed(resources.hold(ID, facts, 1)))).toEqual([false, false, false, false, false, false, false, true]);
  });
});
