// The names a resource answers under inside its network (DESIGN.md, after the
// MoltbotDen table): a kind-specific `.internal` name, Superjolt's bare name,
// and a name from its id, which never collides. Also the ids' prefixes, which
// both the gateway (it names the resources it creates) and the resources
// service (it checks those names) need.

/** Id prefixes, as in the articles (`vm_01j9abc…`, `db_…`, `cache_…`, `bkt_…`): a prefix, "_" and a lower-case ULID. */
export const RESOURCE_ID_PREFIX = { vm: 'vm', database: 'db', cache: 'cache', bucket: 'bkt' } as const;
const SUFFIX: Record<string, string> = {
  vm: 'vm.internal',
  database: 'internal',
  cache: 'internal',
  bucket: 'storage.internal',
};

export function hostnamesFor(kind: string, name: string, resourceId: string): string[] {
  // Own entries only: an inherited name ("constructor") is no kind.
  const suffix = Object.hasOwn(SUFFIX, kind) ? SUFFIX[kind]! : 'internal';
  return [`${name}.${suffix}`, name, `${resourceId}.${suffix}`];
}

/** The hostname a resource advertises as `private_host`. */
export const privateHostFor = (kind: string, name: string): string => hostnamesFor(kind, name, '')[0]!;
