import { startMicroservice, type PlatformConfig } from '@pn/service-kit';
import type { DnsOptions } from './dns-listener/dns-options.js';
import { DnsModule } from './dns.module.js';

export const startDns = (config: PlatformConfig, options: DnsOptions = {}) => startMicroservice('dns', DnsModule.forRoot(config, options), config);
