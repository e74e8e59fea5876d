// Which resources of a desired state can be attached as stated: valid ids,
// names and addresses, a network on this host, and an address nobody else in
// the network (or on the public side) holds. The first by id wins a contest;
// the others are reported failed with the reason.
import type { DesiredHost, DesiredNetwork, DesiredResource, ResourceStatus } from './desired-state.js';
import { type Cidr, cidrSize, inCidr, parseCidr, parseIp } from './ipv4.js';
import { checkId, checkLabel } from './names.js';

export interface CheckedNetwork {
  readonly network: DesiredNetwork;
  readonly cidr: Cidr;
}

export function checkNetworks(networks: readonly DesiredNetwork[]): { ok: Map<string, CheckedNetwork>; bad: Map<string, string> } {
  const ok = new Map<string, CheckedNetwork>();
  const bad = new Map<string, string>();
  for (const network of networks) {
    try {
      checkId(network.id, 'network id');
      ok.set(network.id, { network, cidr: parseCidr(network.cidr) });
    } catch (error) {
      bad.set(network.id, `network ${network.id}: ${(error as Error).message}`);
    }
  }
  return { ok, bad };
}

function checkResource(resource: DesiredResource, network: CheckedNetwork, publicPool: Cidr): void {
  checkId(resource.id, 'resource id');
  checkLabel(resource.name);
  const ip = parseIp(resource.privateIp);
  const { cidr } = network;
  if (!inCidr(cidr, ip) || ip - cidr.base < 3 || ip === cidr.base + cidrSize(cidr) - 1) {
    throw new Error(`private address ${resource.privateIp} is not a host address of ${network.network.cidr} past the reserved .0-.2`);
  }
  if (resource.publicIp !== undefined && !inCidr(publicPool, parseIp(resource.publicIp))) {
    throw new Error(`public address ${resource.publicIp} is outside the public pool`);
  }
  for (const { port, protocol } of resource.publicPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65535 || (protocol !== 'tcp' && protocol !== 'udp')) {
      throw new Error(`public port ${JSON.stringify({ port, protocol })} is not a port and protocol`);
    }
  }
  if (resource.publicPorts.length > 0 && resource.publicIp === undefined) throw new Error('public ports without a public address');
}

/** Accepted resources, each checked, first come (by id) first served for a contested address. */
export function acceptResources(desired: DesiredHost, networks: Map<string, CheckedNetwork>, badNetworks: Map<string, string>, publicPool: Cidr) {
  const accepted: DesiredResource[] = [];
  const rejected: ResourceStatus[] = [];
  const privateTaken = new Set<string>();
  const publicTaken = new Set<string>();
  const seen = new Set<string>();
  for (const resource of [...desired.resources].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const fail = (reason: string) => rejected.push({ resourceId: resource.id, state: 'failed', reason });
    const network = networks.get(resource.networkId);
    if (!network) {
      fail(badNetworks.get(resource.networkId) ?? `network ${resource.networkId} is not on this host`);
      continue;
    }
    try {
      checkResource(resource, network, publicPool);
    } catch (error) {
      fail((error as Error).message);
      continue;
    }
    const privateKey = `${resource.networkId} ${resource.privateIp}`;
    if (seen.has(resource.id)) fail('resource listed twice');
    else if (privateTaken.has(privateKey)) fail(`private address ${resource.privateIp} is taken in its network`);
    else if (resource.publicIp !== undefined && publicTaken.has(resource.publicIp)) fail(`public address ${resource.publicIp} is taken`);
    else {
      seen.add(resource.id);
      privateTaken.add(privateKey);
      if (resource.publicIp !== undefined) publicTaken.add(resource.publicIp);
      accepted.push(resource);
    }
  }
  return { accepted, rejected };
}
