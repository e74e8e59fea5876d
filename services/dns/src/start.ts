import { startMicroservice, type PlatformConfig } from '@pn/service-kit';
import { DnsModule } from './dns.module.js';

export const startDns = (config: PlatformConfig) => startMicroservice('dns', DnsModule.forRoot(config), config);
