import { startMicroservice, type PlatformConfig } from '@pn/service-kit';
import { BillingModule } from './billing.module.js';

export const startBilling = (config: PlatformConfig) => startMicroservice('billing', BillingModule.forRoot(config), config);
