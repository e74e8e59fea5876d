// A project and its one private network (stream `project-<account>_<name>`,
// so that "ensure the default project" is idempotent by construction).
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { dnsLabelProblem, ProjectCreatedSchema, protoEventCodec, type EventsOf, type ProjectCreated } from '@pn/contracts';
import { assertNever, checkQuota, DomainError, type Decider, type QuotaUse } from '@pn/decider';
import { PROJECT_QUOTA } from './quota.js';

export const projectEventSchemas = { ProjectCreated: ProjectCreatedSchema };
export type ProjectEvent = EventsOf<typeof projectEventSchemas>;
export const projectEventCodec = protoEventCodec(projectEventSchemas);

export const DEFAULT_PROJECT = 'default';
export const DEFAULT_CIDR = '10.0.0.0/16';

export const projectStreamId = (accountId: string, name: string) => `project-${accountId}_${name}`;

/** Every network is a 10.X.0.0/16, so the per-kind block offsets stay the same. */
function isPrivateSlash16(cidr: string): boolean {
  const match = /^10\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  return match !== null && Number(match[1]) <= 255 && String(Number(match[1])) === match[1];
}

export type ProjectState = { readonly status: 'absent' } | { readonly status: 'active'; readonly project: ProjectCreated };

export type ProjectCommand = {
  readonly type: 'EnsureProject';
  readonly projectId: string;
  readonly accountId: string;
  readonly name: string;
  readonly networkId: string;
  readonly cidr: string;
  readonly now: Date;
  /** The account's projects that count against its quota (all but `default`), before this one. */
  readonly quota: QuotaUse;
};

/** Whether a project counts against its account's quota: every account has a `default` one, which never does. */
export const countsAgainstProjectQuota = (name: string) => name !== DEFAULT_PROJECT;

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  switch (command.type) {
    case 'EnsureProject': {
      if (state.status === 'active') return [];
      const problem = dnsLabelProblem(command.name);
      if (problem) throw new DomainError('invalid_name', `project name ${problem}`, { field: 'name' });
      if (!isPrivateSlash16(command.cidr)) {
        throw new DomainError('invalid_cidr', `cidr must be 10.X.0.0/16 with X from 0 to 255, got "${command.cidr}"`, { field: 'cidr' });
      }
      if (countsAgainstProjectQuota(command.name)) checkQuota(PROJECT_QUOTA, command.quota);
      return [
        {
          type: 'ProjectCreated',
          data: create(ProjectCreatedSchema, {
            projectId: command.projectId,
            accountId: command.accountId,
            name: command.name,
            networkId: command.networkId,
            cidr: command.cidr,
            createdAt: timestampFromDate(command.now),
          }),
        },
      ];
    }
    default:
      return assertNever(command.type);
  }
}

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  return event.type === 'ProjectCreated' ? { status: 'active', project: event.data } : state;
}

export const projectDecider: Decider<ProjectCommand, ProjectEvent, ProjectState> = {
  decide: decideProject,
  evolve: evolveProject,
  initialState: () => ({ status: 'absent' }),
};
