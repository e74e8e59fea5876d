// What each kind of resource may be asked for, and what it then offers:
// engines and versions, VM images and their service ports (DESIGN.md).
export const RESOURCE_KINDS = ['vm', 'database', 'cache', 'bucket'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Id prefixes, as in the articles (`vm_01j9abc…`, `db_…`, `cache_…`, `bkt_…`). */
export const ID_PREFIX: Record<ResourceKind, string> = { vm: 'vm', database: 'db', cache: 'cache', bucket: 'bkt' };

/** Superjolt's VM images and the port each one serves on. */
export const VM_IMAGES: Readonly<Record<string, readonly number[]>> = {
  'postgres-18': [5432],
  'nodejs-24': [3000],
  'redis-7': [6379],
  'ubuntu-24': [],
};
export const DEFAULT_VM_IMAGE = 'ubuntu-24';

export const ENGINES: Readonly<Partial<Record<ResourceKind, { engine: string; versions: readonly string[]; defaultVersion: string; port: number }>>> = {
  database: { engine: 'postgresql', versions: ['16', '17', '18'], defaultVersion: '16', port: 5432 },
  cache: { engine: 'redis', versions: ['7.2'], defaultVersion: '7.2', port: 6379 },
};

export const isResourceKind = (value: string): value is ResourceKind => (RESOURCE_KINDS as readonly string[]).includes(value);

/** The port a service listens on (databases and caches), 0 for the others. */
export const servicePort = (kind: string): number => ENGINES[kind as ResourceKind]?.port ?? 0;
