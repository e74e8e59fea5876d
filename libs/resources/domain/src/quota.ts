// The quotas of the resources service, from configuration (QUOTA_PROJECTS,
// QUOTA_RESOURCES_PER_NETWORK). The deciders apply them to creates only: a
// retried create of something that exists is never refused, and what exists
// beyond a limit lowered since stays.
import type { Quota } from '@pn/decider';

/** Projects an account creates by name. Its `default` project is made on first use and never refused. */
export const PROJECT_QUOTA: Quota = {
  what: 'projects',
  per: 'per account',
  field: 'projects',
  note: 'the default project does not count',
};

/** Resources of one network (one project), whatever their state; a deleted one frees its slot. */
export const NETWORK_RESOURCE_QUOTA: Quota = {
  what: 'resources',
  per: 'per network (project)',
  field: 'resources',
  note: 'deleting one frees its slot',
};
