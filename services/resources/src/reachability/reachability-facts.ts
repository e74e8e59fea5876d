// The facts a reachability check decides on, looked up in the resource
// directory. The one place that may see another account's resources, and it
// hands on only what the internet sees of them (publicView): found by id or
// private address they are "unknown", exactly as no resource at all.
import type { ResourceFacts } from '@pn/resources-domain';
import {
  answersToPrivateName,
  isPrivateName,
  parseDestination,
  publicHostFor,
  publicPortsOf,
  publicView,
  type DestinationFacts,
  type OwnEndpoint,
} from '@pn/resources-domain';

/** What the lookup reads: the directory's live resources. */
export interface Directory {
  get(resourceId: string): ResourceFacts | undefined;
  inNetwork(networkId: string): ResourceFacts[];
  /** Every live resource with a public address or a custom domain, in no order. */
  exposed(): ResourceFacts[];
}

export function endpointOf(state: ResourceFacts): OwnEndpoint {
  const { request } = state;
  return {
    id: request.resourceId,
    kind: request.kind,
    name: request.name,
    status: state.status,
    networkId: request.networkId,
    project: request.project,
    privateIp: state.privateIp,
    publicIp: state.publicLease?.ip,
    exposed: state.publicLease !== undefined,
    publicPorts: publicPortsOf(request.kind, state.ports, state.publicAccess),
  };
}

/**
 * What `given` names, as seen by `accountId` from `source`. Private names and
 * addresses are looked up in the source's network only (that is where its
 * packets and DNS queries go); ids among the account's own resources; public
 * addresses, verified custom domains and public hosts among everyone's.
 */
export function destinationFacts(directory: Directory, accountId: string, source: OwnEndpoint, given: string, publicHostSuffix: string): DestinationFacts {
  const query = parseDestination(given);
  const none = (why: string): DestinationFacts => ({ found: 'none', given, why });
  const own = (state: ResourceFacts, viaPublicAddress: boolean): DestinationFacts => ({ found: 'own', resource: endpointOf(state), viaPublicAddress });
  const mine = (state: ResourceFacts | undefined) => state !== undefined && state.request.accountId === accountId;
  const inSourceNetwork = () => directory.inNetwork(source.networkId).filter(mine);
  /** Someone's public address: the caller's own resource, or what the internet sees of another's. */
  const behindPublic = (state: ResourceFacts | undefined): DestinationFacts | undefined => {
    const ip = state?.publicLease?.ip;
    if (!state || !ip) return undefined;
    return mine(state) ? own(state, true) : { found: 'public', endpoint: publicView({ ...endpointOf(state), publicIp: ip }) };
  };

  if (!query) return none(`"${given}" is not a resource id, an address or a hostname`);
  switch (query.type) {
    case 'id': {
      const state = directory.get(query.id);
      return mine(state) ? own(state!, false) : none(`no resource ${query.id}`);
    }
    case 'private-address': {
      const state = inSourceNetwork().find((r) => r.privateIp === query.ip);
      return state ? own(state, false) : none(`nothing holds ${query.ip} in project ${source.project}'s network (private addresses mean something only within one network)`);
    }
    case 'public-address':
      return behindPublic(directory.exposed().find((r) => r.publicLease?.ip === query.ip)) ?? none(`nothing holds the public address ${query.ip}`);
    case 'hostname': {
      if (isPrivateName(query.name)) {
        const state = inSourceNetwork().find((r) => answersToPrivateName(r.request.kind, r.request.name, r.request.resourceId, query.name));
        return state ? own(state, false) : none(`no name ${query.name} in project ${source.project}'s network (.internal names mean something only within one network)`);
      }
      // A custom domain counts once verified (the public DNS then points at the
      // address); the caller's own pending one too, since they know of it.
      const byDomain = directory
        .exposed()
        .find((r) => r.domains.some((d) => d.domain === query.name && (d.status === 'verified' || r.request.accountId === accountId)));
      const byPublicHost = () =>
        directory.exposed().find((r) => r.request.kind !== 'vm' && r.publicLease?.ip && publicHostFor(r.request.name, r.request.resourceId, publicHostSuffix) === query.name);
      return behindPublic(byDomain ?? byPublicHost()) ?? none(`no public name ${query.name} is known here`);
    }
  }
}
