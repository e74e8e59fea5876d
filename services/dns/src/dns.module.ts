import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, HEALTH_NOTES, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { DnsListener } from './dns-listener/dns-listener.js';
import { DNS_OPTIONS, type DnsOptions } from './dns-listener/dns-options.js';
import { DnsFleet } from './fleet/dns-fleet.js';
import { RecordsController } from './records/records.controller.js';
import { ResolveController } from './resolve/resolve.controller.js';
import { ZoneProjection } from './zone/zone.projection.js';

@Module({})
export class DnsModule {
  static forRoot(config: PlatformConfig, options: DnsOptions = {}): DynamicModule {
    return {
      module: DnsModule,
      imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config, 'dns')],
      controllers: [RecordsController, ResolveController, healthController('dns')],
      providers: [
        ZoneProjection,
        DnsListener,
        DnsFleet,
        { provide: DNS_OPTIONS, useValue: options },
        { provide: HEALTH_NOTES, useExisting: DnsListener },
      ],
    };
  }
}
