// Ids as in the articles: a kind prefix and a lower-case ULID
// (`vm_01j9abc...`). Monotonic, so ids made in one millisecond still sort by creation.
import { ID_PREFIX, type ResourceKind } from '@pn/resources-domain';
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

export const newId = (prefix: 'prj' | 'net') => `${prefix}_${next().toLowerCase()}`;
export const newResourceId = (kind: ResourceKind) => `${ID_PREFIX[kind]}_${next().toLowerCase()}`;
