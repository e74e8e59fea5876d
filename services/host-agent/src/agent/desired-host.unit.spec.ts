import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { ResourceDesiredSchema, type ResourceDesired } from '@pn/contracts';
import { planHost } from './desired-host.js';

const record = (id: string, over: Partial<Omit<ResourceDesired, '$typeName'>> = {}) =>
  create(ResourceDesiredSchema, {
    resourceId: id, networkId: 'net_a', accountId: 'acc_1', projectId: 'prj_1', networkCidr: '10.1.0.0/16',
    kind: 'vm', name: id, image: 'ubuntu-24', privateIp: '10.1.0.10', publicIp: '', publicPorts: [], stopped: false, revision: 3n, ...over,
  });

describe('records of the bucket as a host plan', () => {
  it('groups resources by network, two networks sharing one range and one address side by side', () => {
    const { desired, rejected } = planHost([record('vm_1'), record('vm_2', { networkId: 'net_b', accountId: 'acc_2' })]);
    expect(rejected).toEqual([]);
    expect(desired.networks.map((n) => `${n.id} ${n.cidr} ${n.accountId}`)).toEqual(['net_a 10.1.0.0/16 acc_1', 'net_b 10.1.0.0/16 acc_2']);
    expect(desired.resources.map((r) => `${r.id} ${r.networkId} ${r.privateIp}`)).toEqual(['vm_1 net_a 10.1.0.10', 'vm_2 net_b 10.1.0.10']);
  });

  it('fails a record whose address is outside its range or the network own (.1 gateway, .2 resolver), and keeps the others', () => {
    const { desired, rejected } = planHost([
      record('vm_1'),
      record('vm_2', { privateIp: '10.2.0.10' }),
      record('vm_3', { privateIp: '10.1.0.1' }),
      record('vm_4', { privateIp: '10.1.0.2' }),
      record('vm_5', { privateIp: '10.1.0.11; reboot' }),
    ]);
    expect(desired.resources.map((r) => r.id)).toEqual(['vm_1']);
    expect(rejected.map((r) => r.resourceId)).toEqual(['vm_2', 'vm_3', 'vm_4', 'vm_5']);
    expect(rejected[0]!.reason).toContain('not in 10.1.0.0/16');
  });

  it('refuses what no network here may have: a public range, an unknown kind or image, a bad port', () => {
    const { rejected } = planHost([
      record('vm_1', { networkCidr: '192.168.0.0/16', privateIp: '192.168.0.10' }),
      record('vm_2', { kind: 'printer' }),
      record('vm_3', { image: '../../bin/sh' }),
      record('vm_4', { publicIp: '203.0.113.5', publicPorts: [{ port: 0, protocol: 'tcp' } as never] }),
    ]);
    expect(rejected.map((r) => r.resourceId)).toEqual(['vm_1', 'vm_2', 'vm_3', 'vm_4']);
  });

  it('gives a contested address, private in one network or public anywhere, to the resource that came first', () => {
    const { desired, rejected } = planHost([
      record('vm_2'),
      record('vm_1'),
      record('vm_3', { privateIp: '10.1.0.11', publicIp: '203.0.113.5' }),
      record('vm_4', { privateIp: '10.1.0.12', publicIp: '203.0.113.5' }),
    ]);
    expect(desired.resources.map((r) => r.id)).toEqual(['vm_1', 'vm_3']);
    expect(rejected.map((r) => r.resourceId)).toEqual(['vm_2', 'vm_4']);
  });

  it('fails a record that gives its network a second range', () => {
    const { rejected } = planHost([record('vm_1'), record('vm_2', { networkCidr: '10.9.0.0/16', privateIp: '10.9.0.10' })]);
    expect(rejected).toEqual([{ resourceId: 'vm_2', reason: 'network net_a is 10.1.0.0/16 here, the record says 10.9.0.0/16' }]);
  });
});
