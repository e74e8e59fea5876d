import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { AllocateAddressController } from './allocate-address/allocate-address.controller.js';

@Module({})
export class IpamModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: IpamModule, imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config)], controllers: [AllocateAddressController, healthController('ipam')] };
  }
}
