// Billing: egress metering. Flows are captured from JetStream (FlowMeter),
// classified by billing's own record of who held each address when
// (OwnershipFeed), recorded once each in the event store, and summed by the
// usage projection that the API reads.
import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { BillingController } from './billing.controller.js';
import { FlowMeter } from './meter/flow-meter.js';
import { FlowMeterMetric } from './meter/flow-meter.metric.js';
import { Placements } from './meter/placements.js';
import { MonthCloser } from './meter/month-closer.js';
import { OwnershipFeed } from './ownership/ownership-feed.js';
import { UsageReadModel } from './usage/usage-projection.js';

@Module({})
export class BillingModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: BillingModule,
      imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config, 'billing')],
      controllers: [BillingController, healthController('billing')],
      providers: [OwnershipFeed, UsageReadModel, MonthCloser, Placements, FlowMeter, FlowMeterMetric],
    };
  }
}
