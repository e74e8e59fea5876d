// Resource ids as in the articles: a kind prefix and a lower-case ULID
// (`vm_01j9abc...`). Monotonic, so ids made in one millisecond still sort by creation.
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

export const newId = (prefix: 'vm' | 'db' | 'cache' | 'bkt' | 'prj' | 'net') => `${prefix}_${next().toLowerCase()}`;
