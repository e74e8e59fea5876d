// resources.network.reachability: the facts looked up here, the verdict from
// the pure rule in @pn/resources-domain (reachability.ts). Decided on this
// side of the bus so another account's private facts never leave the service.
import { Controller, Inject } from '@nestjs/common';
import { routes, type ReachabilityRequest } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { checkReachability, parseDestination, REACHABILITY_PROTOCOLS, type ReachabilityProtocol } from '@pn/resources-domain';
import { PLATFORM_CONFIG, Rpc, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { destinationFacts, endpointOf } from './reachability-facts.js';

@Controller()
export class ReachabilityController {
  constructor(
    private readonly directory: ResourceDirectory,
    private readonly provisioner: Provisioner,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Rpc(routes.checkReachability)
  async check(request: ReachabilityRequest) {
    const protocol = (request.protocol || 'tcp') as ReachabilityProtocol;
    if (!REACHABILITY_PROTOCOLS.includes(protocol)) throw new DomainError('invalid_request', `protocol must be one of ${REACHABILITY_PROTOCOLS.join(', ')}`, { field: 'protocol' });
    if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) throw new DomainError('invalid_request', 'port must be an integer from 1 to 65535', { field: 'port' });
    // The source is the caller's: another account's is "not found", like everywhere else.
    // Source and an id as destination may be just created through another
    // instance: read through to their streams (Provisioner.find), which also
    // puts them in the directory the destination lookup reads.
    const state = await this.provisioner.find(request.source);
    if (!state || state.request.accountId !== request.accountId) throw new DomainError('not_found', `resource ${request.source} not found`, { field: 'source' });
    const source = endpointOf(state);
    const query = parseDestination(request.destination);
    if (query?.type === 'id') await this.provisioner.find(query.id);
    const destination = destinationFacts(this.directory, request.accountId, source, request.destination, this.config.publicHostSuffix);
    const verdict = checkReachability({ source, destination, port: request.port, protocol });
    return {
      reachable: verdict.reachable,
      path: verdict.path,
      hops: verdict.hops.map((h) => ({ ...h })),
      ...(verdict.blockedBy ? { blockedBy: { ...verdict.blockedBy } } : {}),
    };
  }
}
