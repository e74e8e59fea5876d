import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProjectCreatedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { projectDecider, type ProjectCommand, type ProjectEvent } from './project.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ensure = (networkId: string, cidr = '10.0.0.0/16', name = 'default', quota = { limit: 5, used: 0 }): ProjectCommand => ({
  type: 'EnsureProject',
  projectId: 'prj_1',
  accountId: 'acc_1',
  name,
  networkId,
  cidr,
  now: new Date(T0),
  quota,
});
const created: ProjectEvent = {
  type: 'ProjectCreated',
  data: create(ProjectCreatedSchema, {
    projectId: 'prj_1',
    accountId: 'acc_1',
    name: 'default',
    networkId: 'net_1',
    cidr: '10.0.0.0/16',
    createdAt: timestampFromMs(T0),
  }),
};

const shop: ProjectEvent = { type: 'ProjectCreated', data: create(ProjectCreatedSchema, { ...created.data, name: 'shop' }) };

describe('project decider', () => {
  const project = spec(projectDecider);

  it('creates a missing project with its network', () => {
    project.given([]).when(ensure('net_1')).then([created]);
  });

  it('refuses a network that is not a 10.X.0.0/16 and a name that is no DNS label', () => {
    for (const cidr of ['10.0.0.0/24', '192.168.0.0/16', '10.256.0.0/16', '10.01.0.0/16', '10.1.2.0/16']) {
      project.given([]).when(ensure('net_1', cidr)).thenThrows('invalid_cidr');
    }
    project.given([]).when(ensure('net_1', '10.0.0.0/16', 'Shop!')).thenThrows('invalid_name');
  });

  it('keeps an existing project and its network as they are', () => {
    project.given([created]).when(ensure('net_other')).thenNothingHappened();
  });

  it('refuses a named project past the account’s quota, naming the limit', () => {
    const full = { limit: 5, used: 5 };
    const refusal = project.given([]).when(ensure('net_1', '10.0.0.0/16', 'shop', full)).thenThrows('quota_exceeded');
    expect(refusal.details).toEqual({ field: 'projects', limit: 5 });
    expect(refusal.message).toMatch(/at most 5 projects per account/);
    project.given([]).when(ensure('net_1', '10.0.0.0/16', 'shop', { limit: 5, used: 4 })).then([shop]);
  });

  it('never refuses the default project, which every account has, nor a project that exists', () => {
    const full = { limit: 5, used: 5 };
    project.given([]).when(ensure('net_1', '10.0.0.0/16', 'default', full)).then([created]);
    project.given([shop]).when(ensure('net_1', '10.0.0.0/16', 'shop', full)).thenNothingHappened();
  });
});
