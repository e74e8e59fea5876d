import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BillingController } from './billing/billing.controller.js';
import { BusModule, EventStoreModule, PlatformConfigModule, healthController, type PlatformConfig } from '@pn/service-kit';
import { MetricsModule } from '@pn/service-kit';
import { AccountsController } from './accounts/accounts.controller.js';
import { AccountsService } from './accounts/accounts.service.js';
import { ApiKeysController } from './accounts/api-keys.controller.js';
import { AdminGuard, ApiKeyGuard } from './accounts/guards.js';
import { ErrorFilter } from './http/error.filter.js';
import { EventHub } from './events/event-hub.js';
import { EventsController } from './events/events.controller.js';
import { HealthHttpController } from './http/health.controller.js';
import { MetricsController } from './http/metrics.controller.js';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
import { IdempotencyStore } from './idempotency/idempotency-store.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { McpController } from './mcp/mcp.controller.js';
import { NetworkController } from './network/network.controller.js';
import { ReachabilityController } from './network/reachability.controller.js';
import { ProjectsController } from './projects/projects.controller.js';
import { BucketsController } from './resources/buckets.controller.js';
import { CachesController } from './resources/caches.controller.js';
import { DatabasesController } from './resources/databases.controller.js';
import { ResourceApi } from './resources/resource-api.js';
import { VmsController } from './resources/vms.controller.js';
import { VmExposureController } from './resources/vm-exposure.controller.js';

@Module({})
export class GatewayModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config, 'gateway'), BusModule.forRoot(config, 'gateway'), MetricsModule.forRoot('gateway')],
      controllers: [
        AccountsController,
        ApiKeysController,
        VmsController,
        VmExposureController,
        DatabasesController,
        CachesController,
        BucketsController,
        ProjectsController,
        NetworkController,
        BillingController,
        ReachabilityController,
        McpController,
        EventsController,
        HealthHttpController,
        MetricsController,
        healthController('gateway'),
      ],
      providers: [
        AccountsService,
        RateLimiter,
        AdminGuard,
        ApiKeyGuard,
        ResourceApi,
        IdempotencyStore,
        IdempotencyInterceptor,
        EventHub,
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
