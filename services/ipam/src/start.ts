import { startMicroservice, type PlatformConfig } from '@pn/service-kit';
import { IpamModule } from './ipam.module.js';

export const startIpam = (config: PlatformConfig) => startMicroservice('ipam', IpamModule.forRoot(config), config);
