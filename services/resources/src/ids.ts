// Ids as in the articles: a kind prefix and a lower-case ULID
// (`vm_01j9abc...`). Each a fresh ULID (newUlid), never from a monotonic factory: a
// monotonic one makes ids of one millisecond consecutive (a network's id its
// project's plus one), so one tenant could guess another's. The 48-bit time
// still orders them by creation to the millisecond.
import { ID_PREFIX, type ResourceKind } from '@pn/resources-domain';
import { newUlid } from '@pn/service-kit';

export const newId = (prefix: 'prj' | 'net' | 'pip') => `${prefix}_${newUlid()}`;
export const newResourceId = (kind: ResourceKind) => `${ID_PREFIX[kind]}_${newUlid()}`;
