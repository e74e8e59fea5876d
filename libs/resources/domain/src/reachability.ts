// "Can this resource reach that destination on this port, and if not, why?"
// — in the style of AWS Reachability Analyzer and GCP Connectivity Tests: the
// path traced hop by hop, and the first component that blocks it with a code.
// A pure function over facts the resources service looks up
// (reachability-target.ts says how a destination is named).
//
// The rules (DESIGN.md, "Public exposure" and "Tenancy"):
// - Same network: the private path. Nothing filters traffic inside a network,
//   so a running VM is reachable on any port and protocol: what listens in it
//   is the customer's process, which the platform cannot see (an `ubuntu-24`
//   VM "serves" nothing by its image, yet surely runs something), and saying
//   "blocked" for a port we merely do not know would be a false negative. A
//   managed service runs one process the platform knows: databases 5432,
//   caches 6379, buckets 443 (their HTTPS object API), TCP only.
// - Another network (another project, or another account): only through a
//   public address, on a port open to the internet (TCP: a VM's open ports,
//   `tcp` or `http`; a public database's or cache's service port).
// - Another account's resource is seen only as the internet sees it: its
//   public address, the ports open there and whether anything answers. Its
//   id, name, private address and status never reach the answer.
import { servicePort } from './catalog.js';
import type { PublicPort } from './public-ports.js';
import type { ResourceStatus } from './resource.js';

export const REACHABILITY_PROTOCOLS = ['tcp', 'udp'] as const;
export type ReachabilityProtocol = (typeof REACHABILITY_PROTOCOLS)[number];

/** A bucket's object API (S3-style, HTTPS). */
export const BUCKET_PORT = 443;

/** A resource of the caller's account, as the check sees it. */
export interface OwnEndpoint {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly status: ResourceStatus;
  readonly networkId: string;
  readonly project: string;
  readonly privateIp: string | undefined;
  /** Its public address, once ipam has filled the lease. */
  readonly publicIp: string | undefined;
  /** It asked to face the internet (an open port, public_access), address filled or not. */
  readonly exposed: boolean;
  /** What the internet may reach on its public address. */
  readonly publicPorts: readonly PublicPort[];
}

/** All anyone on the internet can learn of an address: the ports open there and whether anything answers. */
export interface PublicEndpoint {
  readonly publicIp: string;
  readonly publicPorts: readonly PublicPort[];
  readonly answering: boolean;
}

export type DestinationFacts =
  /** One of the caller's resources; `viaPublicAddress`: named by its public address or a public name, so traffic takes the public path. */
  | { readonly found: 'own'; readonly resource: OwnEndpoint; readonly viaPublicAddress: boolean }
  /** A public address (another account's, or one named by a public name): what the internet sees of it. */
  | { readonly found: 'public'; readonly endpoint: PublicEndpoint }
  /** Nothing the caller may know of. `why` must not tell another account's from no one's. */
  | { readonly found: 'none'; readonly given: string; readonly why: string };

export type HopType = 'source' | 'network' | 'internet' | 'public-address' | 'destination';

export interface Hop {
  readonly type: HopType;
  readonly id?: string;
  readonly name?: string;
  readonly project?: string;
  readonly address?: string;
  readonly port?: number;
  readonly protocol?: string;
}

export type BlockCode = 'RESOURCE_STOPPED' | 'PORT_NOT_SERVED' | 'DIFFERENT_NETWORK' | 'NO_PUBLIC_ADDRESS' | 'PORT_NOT_OPEN' | 'UNKNOWN_DESTINATION';

export interface Verdict {
  readonly reachable: boolean;
  readonly path: 'private' | 'public' | 'none';
  /** The path traced, up to the blocking component when blocked. */
  readonly hops: readonly Hop[];
  readonly blockedBy: { readonly code: BlockCode; readonly component: HopType; readonly reason: string } | undefined;
}

export interface ReachabilityQuestion {
  readonly source: OwnEndpoint;
  readonly destination: DestinationFacts;
  readonly port: number;
  readonly protocol: ReachabilityProtocol;
}

/** Up: a VM running, any other kind available. */
export const isUp = (status: ResourceStatus): boolean => status === 'running' || status === 'available';

/** The private side: a VM takes anything; a managed service only its own port, over TCP. */
export function servesPrivately(kind: string, port: number, protocol: ReachabilityProtocol): boolean {
  if (kind === 'vm') return true;
  const served = kind === 'bucket' ? BUCKET_PORT : servicePort(kind);
  return protocol === 'tcp' && port === served;
}

/** What the internet reaches on a resource's public address: a VM's open ports, a public database's or cache's service port. */
export function publicPortsOf(kind: string, openPorts: readonly PublicPort[], publicAccess: boolean): readonly PublicPort[] {
  if (kind === 'vm') return openPorts;
  const port = servicePort(kind);
  return publicAccess && port ? [{ port, protocol: 'tcp' }] : [];
}

/** Another account's resource as the answer may show it: nothing but what the internet sees. */
export const publicView = (own: OwnEndpoint & { readonly publicIp: string }): PublicEndpoint => ({
  publicIp: own.publicIp,
  publicPorts: own.publicPorts,
  answering: isUp(own.status),
});

const resourceHop = (type: HopType, r: OwnEndpoint, extra: Partial<Hop> = {}): Hop => ({
  type,
  id: r.id,
  name: r.name,
  project: r.project,
  ...(r.privateIp ? { address: r.privateIp } : {}),
  ...extra,
});

export function checkReachability({ source, destination, port, protocol }: ReachabilityQuestion): Verdict {
  const hops: Hop[] = [resourceHop('source', source)];
  const blocked = (code: BlockCode, component: HopType, reason: string): Verdict => ({ reachable: false, path: 'none', hops, blockedBy: { code, component, reason } });
  const target = `${port}/${protocol}`;

  if (!isUp(source.status)) return blocked('RESOURCE_STOPPED', 'source', `the source ${source.name} is ${source.status}: it sends nothing`);
  if (destination.found === 'none') return blocked('UNKNOWN_DESTINATION', 'destination', destination.why);

  // The private path: same network, named privately.
  if (destination.found === 'own' && !destination.viaPublicAddress && destination.resource.networkId === source.networkId) {
    const dest = destination.resource;
    hops.push({ type: 'network', project: source.project }, resourceHop('destination', dest, { port, protocol }));
    if (!isUp(dest.status)) return blocked('RESOURCE_STOPPED', 'destination', `${dest.name} is ${dest.status}: nothing answers at ${dest.privateIp ?? 'its address'}`);
    if (!servesPrivately(dest.kind, port, protocol)) {
      const served = dest.kind === 'bucket' ? BUCKET_PORT : servicePort(dest.kind);
      return blocked('PORT_NOT_SERVED', 'destination', `${dest.name} (${dest.kind}) serves ${served}/tcp only, not ${target}`);
    }
    return { reachable: true, path: 'private', hops, blockedBy: undefined };
  }

  // The public path: out of the source's network, across the internet, to a public address.
  hops.push({ type: 'network', project: source.project });
  let endpoint: PublicEndpoint;
  if (destination.found === 'own') {
    const dest = destination.resource;
    if (!dest.publicIp) {
      if (dest.exposed) return blocked('NO_PUBLIC_ADDRESS', 'destination', `${dest.name} asked for a public address and has none yet (the public pool has not filled it); retry shortly`);
      return blocked(
        'DIFFERENT_NETWORK',
        'network',
        `${dest.name} is in project ${dest.project}'s network, not ${source.project}'s: networks are isolated, and it has no public address (open a port, or PATCH public_access)`,
      );
    }
    endpoint = publicView({ ...dest, publicIp: dest.publicIp });
  } else {
    endpoint = destination.endpoint;
  }
  hops.push({ type: 'internet' }, { type: 'public-address', address: endpoint.publicIp, port, protocol });
  // Open ports are TCP (raw or HTTP): UDP never crosses to a public address.
  if (protocol !== 'tcp' || !endpoint.publicPorts.some((p) => p.port === port)) {
    // The caller's own ports are listed to help; another account's are not (a yes or no is all the question asked).
    const open = destination.found === 'own' ? ` (open: ${endpoint.publicPorts.map((p) => `${p.port}/tcp`).join(', ') || 'none'})` : '';
    return blocked('PORT_NOT_OPEN', 'public-address', `${target} is not open on ${endpoint.publicIp}${open}`);
  }
  hops.push(destination.found === 'own' ? resourceHop('destination', destination.resource, { port, protocol }) : { type: 'destination', address: endpoint.publicIp, port, protocol });
  if (!endpoint.answering) return blocked('RESOURCE_STOPPED', 'destination', `nothing answers behind ${endpoint.publicIp} on ${target}`);
  return { reachable: true, path: 'public', hops, blockedBy: undefined };
}
