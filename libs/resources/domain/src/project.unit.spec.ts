import { describe, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProjectCreatedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { projectDecider, type ProjectCommand, type ProjectEvent } from './project.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ensure = (networkId: string, cidr = '10.0.0.0/16', name = 'default'): ProjectCommand => ({
  type: 'EnsureProject',
  projectId: 'prj_1',
  accountId: 'acc_1',
  name,
  networkId,
  cidr,
  now: new Date(T0),
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
});
