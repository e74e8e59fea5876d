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
      answer = this.projection.lookup(request.networkId, name, 'A');
    } catch (error) {
      // The same answer the DNS server gives from a lagging view.
      if (error instanceof ViewLaggingError) return { rcode: 'SERVFAIL', addresses: [], ttl: 0 };
      throw error;
    }
    switch (answer.kind) {
      case 'answer':
        return { rcode: 'NOERROR', addresses: answer.records.flatMap((r) => (r.type === 'A' ? [r.address] : [])), ttl: this.config.dnsTtlSeconds };
      case 'nodata':
        return { rcode: 'NOERROR', addresses: [], ttl: this.config.dnsNegativeTtlSeconds };
      case 'nxdomain':
        return { rcode: 'NXDOMAIN', addresses: [], ttl: this.config.dnsNegativeTtlSeconds };
      case 'refused':
        return { rcode: 'REFUSED', addresses: [], ttl: 0 };
    }
  }
}
