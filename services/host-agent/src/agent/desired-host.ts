// The records of the dataplane bucket as one host's desired state (pure).
// Only resources may write them, but a record is still checked before it
// reaches `ip` and `nft`: an address outside its network's range, a second
// range for one network, an unknown kind or a port out of range fails that
// resource (with the reason, reported like any failure) and nothing else.
import type { ResourceDesired } from '@pn/contracts';
import type { DesiredHost, DesiredNetwork, DesiredResource, ResourceKind } from '@pn/dataplane-linux';

const KINDS: ReadonlySet<string> = new Set(['vm', 'database', 'cache', 'bucket']);
const IMAGES: ReadonlySet<string> = new Set(['', 'postgres-18', 'nodejs-24', 'redis-7', 'ubuntu-24']);

export interface Rejected {
  readonly resourceId: string;
  readonly reason: string;
}

export interface HostPlan {
  readonly desired: DesiredHost;
  readonly rejected: readonly Rejected[];
}

const ipv4 = (text: string): number | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
};

/** A private range a network may have: 10.x, /8 to /28. */
export function parsePrivateCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText, ...rest] = cidr.split('/');
  const base = ipv4(ip ?? '');
  const bits = Number(bitsText);
  if (rest.length > 0 || base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 28) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if ((base & mask) >>> 0 !== base || base >>> 24 !== 10) return undefined;
  return { base, bits };
}

function whyNot(r: ResourceDesired): string | undefined {
  const range = parsePrivateCidr(r.networkCidr);
  if (!range) return `network range "${r.networkCidr}" is not a 10.x CIDR from /8 to /28`;
  if (!KINDS.has(r.kind)) return `unknown kind "${r.kind}"`;
  if (!IMAGES.has(r.image)) return `unknown image "${r.image}"`;
  const ip = ipv4(r.privateIp);
  const mask = (0xffffffff << (32 - range.bits)) >>> 0;
  if (ip === undefined || ((ip & mask) >>> 0) !== range.base) return `private address "${r.privateIp}" is not in ${r.networkCidr}`;
  // .0, .1 (gateway), .2 (resolver) and the broadcast address are the network's own.
  const host = ip - range.base;
  if (host < 3 || host === 2 ** (32 - range.bits) - 1) return `private address ${r.privateIp} is reserved in ${r.networkCidr}`;
  if (r.publicIp !== '' && ipv4(r.publicIp) === undefined) return `public address "${r.publicIp}" is not IPv4`;
  const badPort = r.publicPorts.find((p) => p.port < 1 || p.port > 65535 || (p.protocol !== 'tcp' && p.protocol !== 'udp'));
  if (badPort) return `public port ${badPort.port}/${badPort.protocol} is not a TCP or UDP port`;
  return undefined;
}

export function planHost(records: Iterable<ResourceDesired>): HostPlan {
  const networks = new Map<string, DesiredNetwork>();
  const resources: DesiredResource[] = [];
  const rejected: Rejected[] = [];
  const addresses = new Map<string, string>(); // `<network>/<ip>` and `public/<ip>` → resource
  // Oldest first (by id, ULIDs sort by time): on a conflict the resource that came first keeps its network or address.
  for (const r of [...records].sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1))) {
    const why = whyNot(r);
    if (why) {
      rejected.push({ resourceId: r.resourceId, reason: why });
      continue;
    }
    const network = networks.get(r.networkId);
    if (network && network.cidr !== r.networkCidr) {
      rejected.push({ resourceId: r.resourceId, reason: `network ${r.networkId} is ${network.cidr} here, the record says ${r.networkCidr}` });
      continue;
    }
    const holder = addresses.get(`${r.networkId}/${r.privateIp}`);
    if (holder) {
      rejected.push({ resourceId: r.resourceId, reason: `${r.privateIp} is already ${holder}'s in network ${r.networkId}` });
      continue;
    }
    const publicHolder = r.publicIp ? addresses.get(`public/${r.publicIp}`) : undefined;
    if (publicHolder) {
      rejected.push({ resourceId: r.resourceId, reason: `public address ${r.publicIp} is already ${publicHolder}'s` });
      continue;
    }
    addresses.set(`${r.networkId}/${r.privateIp}`, r.resourceId);
    if (r.publicIp) addresses.set(`public/${r.publicIp}`, r.resourceId);
    if (!network) networks.set(r.networkId, { id: r.networkId, accountId: r.accountId, projectId: r.projectId, cidr: r.networkCidr });
    resources.push({
      id: r.resourceId,
      networkId: r.networkId,
      kind: r.kind as ResourceKind,
      name: r.name,
      ...(r.image ? { image: r.image } : {}),
      privateIp: r.privateIp,
      ...(r.publicIp ? { publicIp: r.publicIp } : {}),
      publicPorts: r.publicPorts.map((p) => ({ port: p.port, protocol: p.protocol as 'tcp' | 'udp' })),
      stopped: r.stopped,
    });
  }
  return { desired: { networks: [...networks.values()], resources }, rejected };
}

/** A network's range as a test, and its own addresses (gateway .1, resolver .2), for the flow meter. */
export function networkAddresses(cidr: string): { contains: (ip: string) => boolean; own: ReadonlySet<string> } {
  const range = parsePrivateCidr(cidr);
  if (!range) return { contains: () => false, own: new Set() };
  const mask = (0xffffffff << (32 - range.bits)) >>> 0;
  const text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return {
    contains: (ip) => {
      const n = ipv4(ip);
      return n !== undefined && ((n & mask) >>> 0) === range.base;
    },
    own: new Set([text(range.base + 1), text(range.base + 2)]),
  };
}
