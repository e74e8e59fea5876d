import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { AddressesController } from './addresses/addresses.controller.js';
import { PublicPoolController } from './public-pool/public-pool.controller.js';

@Module({})
export class IpamModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: IpamModule, imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config, 'ipam')], controllers: [AddressesController, PublicPoolController, healthController('ipam')] };
  }
}
