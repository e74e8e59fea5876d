import { startMicroservice, type PlatformConfig } from '@pn/service-kit';
import { ResourcesModule } from './resources.module.js';

export const startResources = (config: PlatformConfig) => startMicroservice('resources', ResourcesModule.forRoot(config), config);
