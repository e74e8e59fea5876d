// Makes the service's PlatformConfig injectable anywhere as PLATFORM_CONFIG.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { PlatformConfig } from './config.js';

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');

@Global()
@Module({})
export class PlatformConfigModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: PlatformConfigModule, providers: [{ provide: PLATFORM_CONFIG, useValue: config }], exports: [PLATFORM_CONFIG] };
  }
}
