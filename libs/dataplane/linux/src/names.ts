// How the data plane names what it creates, and the checks every value passes
// before it reaches a command line. Everything carries the plane's prefix, so
// a resync (and removeEverything) touches nothing else; kernel interface names
// stay within 15 characters by hashing ids.
import { createHash } from 'node:crypto';

/** 10 hex characters of SHA-256: 40 bits, collisions are not a practical concern for one host. */
export function shortHash(id: string): string {
  let hash = hashes.get(id);
  if (hash === undefined) {
    // Remembered: every pass names every resource several times (a tenth of a pass over 1,000 VMs hashed).
    if (hashes.size >= MAX_REMEMBERED) hashes.clear();
    hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
    hashes.set(id, hash);
  }
  return hash;
}
const hashes = new Map<string, string>();
const MAX_REMEMBERED = 100_000;

export interface Names {
  readonly prefix: string;
  readonly edge: string;
  readonly internet: string;
  network(networkId: string): string;
  resource(resourceId: string): string;
  /** Does this namespace belong to the plane? */
  owns(namespace: string): boolean;
}

const PREFIX = /^[a-z][a-z0-9-]{0,23}$/;

export function namesFor(prefix: string): Names {
  if (!PREFIX.test(prefix) || prefix.endsWith('-')) throw new Error(`invalid prefix ${JSON.stringify(prefix)}: lower-case letters, digits, inner "-"`);
  const owned = new RegExp(`^${prefix}-(?:(?:n|v)-[0-9a-f]{10}|edge|inet)$`);
  return {
    prefix,
    edge: `${prefix}-edge`,
    internet: `${prefix}-inet`,
    network: (id) => `${prefix}-n-${shortHash(id)}`,
    resource: (id) => `${prefix}-v-${shortHash(id)}`,
    owns: (ns) => owned.test(ns),
  };
}

/** Interface names, fixed inside each namespace (a namespace has its own interface names). */
export const IFACE = {
  /** In a resource's namespace: its NIC. */
  vmNic: 'eth0',
  /** In a network's namespace: the bridge, and the transit link to the edge. */
  bridge: 'br0',
  uplink: 'up0',
  /** In the edge: the link to the internet namespace; in the internet namespace: the link to the edge. */
  edgeToInternet: 'inet0',
  internetToEdge: 'edge0',
} as const;

/** In a network's namespace: the bridge port of a resource. */
export const portName = (resourceId: string): string => `v${shortHash(resourceId)}`;
/** In the edge: the transit link to a network. */
export const transitName = (networkId: string): string => `n${shortHash(networkId)}`;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkId(id: string, what: string): void {
  if (!ID.test(id)) throw new Error(`${what} ${JSON.stringify(id)} is not an id ([A-Za-z0-9_-], 1-64)`);
}

export function checkLabel(name: string): void {
  if (!LABEL.test(name)) throw new Error(`name ${JSON.stringify(name)} is not a DNS label`);
}

/** A stable, locally administered MAC for a link the plane makes: a recreated NIC or bridge keeps it, so neighbours' ARP caches stay right. */
export const macFor = (key: string): string =>
  `02:${shortHash(`mac:${key}`)
    .match(/../g)!
    .join(':')}`;
