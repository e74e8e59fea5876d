// Looks a custom domain's records up on the public DNS: through the resolver
// DOMAIN_VERIFY_RESOLVER names (host:port), else the system's. A lookup that
// fails (no such name, no answer, a timeout) counts as "not found".
import { Resolver } from 'node:dns/promises';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { challengeName } from '@pn/resources-domain';

@Injectable()
export class DomainVerifier {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  async lookup(domain: string): Promise<{ addresses: string[]; txt: string[] }> {
    // A fresh resolver per check: no cache between a customer's attempts, so a record just created is seen.
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    if (this.config.domainVerifyResolver) resolver.setServers([this.config.domainVerifyResolver]);
    const [addresses, txt] = await Promise.all([
      resolver.resolve4(domain).catch(() => [] as string[]),
      resolver.resolveTxt(challengeName(domain)).then((records) => records.map((chunks) => chunks.join('')), () => [] as string[]),
    ]);
    return { addresses, txt };
  }
}
