// resources.network.reachability: the facts looked up here, the verdict from
// the pure rule in @pn/resources-domain (reachability.ts). Decided on this
// side of the bus so another account's private facts never leave the service.
import { Controller, Inject } from '@nestjs/common';
import { routes, type ReachabilityRequest } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { checkReachability, REACHABILITY_PROTOCOLS, type ReachabilityProtocol } from '@pn/resources-domain';
import { PLATFORM_CONFIG, Rpc, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { destinationFacts, endpointOf } from './reachability-facts.js';

@Controller()
export class ReachabilityController {
  constructor(
    private readonly directory: ResourceDirectory,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Rpc(routes.checkReachability)
  check(request: ReachabilityRequest) {
    const protocol = (request.protocol || 'tcp') as ReachabilityProtocol;
    if (!REACHABILITY_PROTOCOLS.includes(protocol)) throw new DomainError('invalid_request', `protocol must be one of ${REACHABILITY_PROTOCOLS.join(', ')}`, { field: 'protocol' });
    if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) throw new DomainError('invalid_request', 'port must be an integer from 1 to 65535', { field: 'port' });
    // The source is the caller's: another account's is "not found", like everywhere else.
    const state = this.directory.get(request.source);
    if (!state || state.request.accountId !== request.accountId) throw new DomainError('not_found', `resource ${request.source} not found`, { field: 'source' });
    const source = endpointOf(state);
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
