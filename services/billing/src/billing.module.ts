// Billing (egress metering) joins the bus now so the system runs as five
// services from the start; flow metering arrives with its own issue.
import { Module, type DynamicModule } from '@nestjs/common';
import { healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';

@Module({})
export class BillingModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: BillingModule, imports: [PlatformConfigModule.forRoot(config)], controllers: [healthController('billing')] };
  }
}
