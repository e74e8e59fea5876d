import { describe, expect, it } from '@jest/globals';
import { fold } from '@pn/decider';
import { desiredOf } from './data-plane.js';
import { resourceDecider, type ResourceCommand } from './resource.decide.js';
import type { ResourceEvent } from './resource.js';

const ID = 'vm_01jtest';
const at = new Date(Date.UTC(2026, 11, 3));
const step = (type: string, extra: object = {}) => ({ type, resourceId: ID, now: at, ...extra }) as ResourceCommand;
const create_ = (kind = 'vm', image = 'nodejs-24'): ResourceCommand => ({
  type: 'RequestResource', resourceId: ID, kind, accountId: 'acc_1', projectId: 'prj_1', project: 'shop', networkId: 'net_1',
  networkCidr: '10.1.0.0/16', name: 'api', region: 'us-east-1', image, now: at, quota: { limit: 10, used: 0 }, leaseId: 'pip_1',
} as ResourceCommand);
const after = (commands: ResourceCommand[]) => {
  const events: ResourceEvent[] = [];
  for (const c of commands) events.push(...resourceDecider.decide(c, fold(resourceDecider, events)));
  return fold(resourceDecider, events);
};
const provisioned = [create_(), step('AssignAddress', { privateIp: '10.1.0.5' }), step('AssignPublicAddress', { leaseId: 'pip_1', publicIp: '203.0.113.9', pool: '203.0.113.0/24' }), step('PublishHostnames', { hostnames: ['api'] })];

describe('what the data plane must make of a resource', () => {
  it('asks nothing of a resource without an address yet', () => {
    expect(desiredOf(after([create_()]), 0)).toBeUndefined();
  });

  it('attaches it from its address on, with its network, kind and image, no public side yet', () => {
    const d = desiredOf(after([create_('vm', 'ubuntu-24'), step('AssignAddress', { privateIp: '10.1.0.5' })]), 1)!;
    expect(d).toMatchObject({ resourceId: ID, networkId: 'net_1', networkCidr: '10.1.0.0/16', kind: 'vm', image: 'ubuntu-24', privateIp: '10.1.0.5', publicIp: '', stopped: false, revision: 1n });
    expect(d.publicPorts).toEqual([]);
  });

  it('opens its public ports once the public address is there, and keeps a stopped VM attached but stopped', () => {
    const running = desiredOf(after(provisioned), 3)!;
    expect(running.publicIp).toBe('203.0.113.9');
    expect(running.publicPorts.map((p) => `${p.port}/${p.protocol}`)).toEqual(['3000/tcp']);
    expect(desiredOf(after([...provisioned, step('Stop')]), 4)).toMatchObject({ stopped: true, privateIp: '10.1.0.5', publicIp: '203.0.113.9' });
    expect(desiredOf(after([...provisioned, step('Stop'), step('Start')]), 5)).toMatchObject({ stopped: false });
  });

  it('asks for nothing once it is being deleted, or failed', () => {
    const deleting = after([...provisioned, step('RequestDeletion')]);
    expect(deleting.status).toBe('deleting');
    expect(desiredOf(deleting, 5)).toBeUndefined();
  });
});
