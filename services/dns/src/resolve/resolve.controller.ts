// dns.resolve: the same answer the DNS server gives, for the gateway's
// authenticated resolve endpoint.
import { Controller, Inject } from '@nestjs/common';
import { routes, type ResolveRequest } from '@pn/contracts';
import { PLATFORM_CONFIG, Rpc, type PlatformConfig } from '@pn/service-kit';
import { ViewLaggingError, ZoneProjection } from '../zone/zone.projection.js';


@Controller()
export class ResolveController {
  constructor(
    private readonly projection: ZoneProjection,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Rpc(routes.resolve)
  resolve(request: ResolveRequest) {
    const name = request.name.toLowerCase().replace(/\.$/, '');
    let answer;
    try {
      answer = this.projection.lookup(request.networkId, name);
    } catch (error) {
      // The same answer the DNS server gives from a lagging view.
      if (error instanceof ViewLaggingError) return { rcode: 'SERVFAIL', addresses: [], ttl: 0 };
      throw error;
    }
    return answer.kind === 'answer'
      ? { rcode: 'NOERROR', addresses: answer.addresses, ttl: this.config.dnsTtlSeconds }
      : { rcode: 'NXDOMAIN', addresses: [], ttl: this.config.dnsTtlSeconds };
  }
}
