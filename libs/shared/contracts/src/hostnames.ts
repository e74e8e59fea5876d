// The names a resource answers under inside its network (DESIGN.md, after the
// MoltbotDen table): a kind-specific `.internal` name, Superjolt's bare name,
// and a name from its id, which never collides.
const SUFFIX: Record<string, string> = {
  vm: 'vm.internal',
  database: 'internal',
  cache: 'internal',
  bucket: 'storage.internal',
};

export function hostnamesFor(kind: string, name: string, resourceId: string): string[] {
  const suffix = SUFFIX[kind] ?? 'internal';
  return [`${name}.${suffix}`, name, `${resourceId}.${suffix}`];
}

/** The hostname a resource advertises as `private_host`. */
export const privateHostFor = (kind: string, name: string): string => hostnamesFor(kind, name, '')[0]!;
