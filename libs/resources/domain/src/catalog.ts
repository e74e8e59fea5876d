// What each kind of resource may be asked for, and what it then offers:
// engines and versions, VM images and their service ports (DESIGN.md).
// Names come from users: look them up with ownValue, never `in` or `[name]`,
// which also find what every object inherits ("toString", "__proto__").
import { RESOURCE_ID_PREFIX } from '@pn/contracts';
import { ownValue } from '@pn/decider';

export const RESOURCE_KINDS = ['vm', 'database', 'cache', 'bucket'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Id prefixes, as in the articles (`vm_01j9abc…`, `db_…`, `cache_…`, `bkt_…`). */
export const ID_PREFIX: Readonly<Record<ResourceKind, string>> = RESOURCE_ID_PREFIX;

/**
 * Whether `id` is an id of this kind: its prefix and a lower-case ULID. A
 * caller may choose a new resource's id (the gateway does, so that a retried
 * create finds the resource the first attempt made).
 */
export const isResourceIdOf = (kind: ResourceKind, id: string): boolean =>
  id.startsWith(`${ID_PREFIX[kind]}_`) && /^[0-9a-hjkmnp-tv-z]{26}$/.test(id.slice(ID_PREFIX[kind].length + 1));

/** Superjolt's VM images and the port each one serves on. */
export const VM_IMAGES: Readonly<Record<string, readonly number[]>> = {
  'postgres-18': [5432],
  'nodejs-24': [3000],
  'redis-7': [6379],
  'ubuntu-24': [],
};
export const DEFAULT_VM_IMAGE = 'ubuntu-24';

export const isVmImage = (image: string): boolean => ownValue(VM_IMAGES, image) !== undefined;

/** The ports a VM's image serves on; none for an image this catalog does not know (say, one recorded before a fix). */
export const vmServicePorts = (image: string): readonly number[] => ownValue(VM_IMAGES, image) ?? [];

export const ENGINES: Readonly<Partial<Record<ResourceKind, { engine: string; versions: readonly string[]; defaultVersion: string; port: number }>>> = {
  database: { engine: 'postgresql', versions: ['16', '17', '18'], defaultVersion: '16', port: 5432 },
  cache: { engine: 'redis', versions: ['7.2'], defaultVersion: '7.2', port: 6379 },
};

/** The engine of a kind that has one (databases, caches). */
export const engineOf = (kind: string) => ownValue(ENGINES, kind);

export const isResourceKind = (value: string): value is ResourceKind => (RESOURCE_KINDS as readonly string[]).includes(value);

/** The port a service listens on (databases and caches), 0 for the others. */
export const servicePort = (kind: string): number => engineOf(kind)?.port ?? 0;
