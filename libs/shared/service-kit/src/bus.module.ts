// The NATS client every service uses to call others, on the instance's one
// bus connection: one RpcClient, injected by class.
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { BUS_CONNECTION, SharedNatsClient } from './bus-connection.js';
import { natsOptions, type PlatformConfig } from './config.js';
import { Metrics } from './metrics/metrics.js';
import { RpcClient } from './rpc-client.js';

const BUS_PROXY = Symbol('BUS_PROXY');

class BusShutdown implements OnApplicationShutdown {
  constructor(@Inject(BUS_PROXY) private readonly proxy: ClientProxy) {}
  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}

@Global()
@Module({})
export class BusModule {
  static forRoot(config: PlatformConfig, name: string): DynamicModule {
    return {
      module: BusModule,
      providers: [
        {
          provide: BUS_PROXY,
          useFactory: async (nc: NatsConnection) => {
            const proxy = new SharedNatsClient(nc, natsOptions(config, `${name}-client`));
            await proxy.connect();
            return proxy;
          },
          inject: [BUS_CONNECTION],
        },
        {
          provide: RpcClient,
          useFactory: (proxy: ClientProxy, metrics?: Metrics) => new RpcClient(proxy, config.rpcTimeoutMs, metrics),
          inject: [BUS_PROXY, { token: Metrics, optional: true }],
        },
        BusShutdown,
      ],
      exports: [RpcClient],
    };
  }
}
