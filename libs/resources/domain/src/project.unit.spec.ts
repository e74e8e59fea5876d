import { describe, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProjectCreatedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { projectDecider, type ProjectCommand, type ProjectEvent } from './project.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const ensure = (networkId: string): ProjectCommand => ({
  type: 'EnsureProject',
  projectId: 'prj_1',
  accountId: 'acc_1',
  name: 'default',
  networkId,
  cidr: '10.0.0.0/16',
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

  it('keeps an existing project and its network as they are', () => {
    project.given([created]).when(ensure('net_other')).thenNothingHappened();
  });
});
