import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { AddressesController } from './addresses/addresses.controller.js';

@Module({})
export class IpamModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: IpamModule, imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config)], controllers: [AddressesController, healthController('ipam')] };
  }
}
