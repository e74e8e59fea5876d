// What the data plane must make of a resource (pure): attached to its network
// from the moment it holds a private address until it fails or is being
// deleted; a stopped one stays attached (it keeps its address) but sends and
// answers nothing. Its public side is what the reachability check promises:
// publicPortsOf, the one rule for both.
import { create } from '@bufbuild/protobuf';
import { ResourceDesiredSchema, type ResourceDesired } from '@pn/contracts';
import { publicPortsOf } from './reachability.js';
import type { ResourceState } from './resource.js';

const ATTACHED: ReadonlySet<string> = new Set(['provisioning', 'running', 'available', 'stopped']);

/** The record an agent makes real, or undefined when nothing must exist for it. `revision`: its stream's, for the agent to echo. */
export function desiredOf(state: ResourceState, revision: number): ResourceDesired | undefined {
  if (state.status === 'absent' || !ATTACHED.has(state.status) || state.privateIp === undefined) return undefined;
  const { request } = state;
  const publicIp = state.publicLease?.ip;
  return create(ResourceDesiredSchema, {
    resourceId: request.resourceId,
    networkId: request.networkId,
    accountId: request.accountId,
    projectId: request.projectId,
    networkCidr: request.networkCidr,
    kind: request.kind,
    name: request.name,
    image: request.image,
    privateIp: state.privateIp,
    publicIp: publicIp ?? '',
    // No address yet, nothing reaches it from outside: ports wait for the address.
    publicPorts: publicIp ? publicPortsOf(request.kind, state.ports, state.publicAccess).map((p) => ({ port: p.port, protocol: p.protocol === 'udp' ? 'udp' : 'tcp' })) : [],
    stopped: state.status === 'stopped',
    revision: BigInt(revision),
  });
}

/** Events after which a resource may need another record; the others (names, domains, its request) leave it as it was. */
const CHANGES_DESIRED: ReadonlySet<string> = new Set([
  'AddressAssigned',
  'AddressReturned',
  'ResourceFailed',
  'ResourceStopped',
  'ResourceStarted',
  'ResourceDeletionRequested',
  'PublicAccessChanged',
  'PortOpened',
  'PortClosed',
  'PublicAddressAssigned',
  'PublicAddressGivenUp',
  'PublicAddressReturned',
]);

export const changesDesired = (eventType: string): boolean => CHANGES_DESIRED.has(eventType);
