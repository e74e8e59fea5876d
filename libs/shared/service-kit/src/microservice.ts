// Starts a service that listens on the bus only (no HTTP). Every instance of
// a service joins one queue group, so a request goes to exactly one of them.
import { Logger, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { BUS_CONNECTION, SharedNatsServer } from './bus-connection.js';
import { announceBusIdentity } from './bus-credentials.js';
import type { PlatformConfig } from './config.js';
import { JsonLogger } from './json-logger.js';
import { MetricsModule } from './metrics/metrics.module.js';

/** The service's module with its metrics beside it (and their /metrics server), so no service module has to add them. */
@Module({})
class ServiceRoot {}

export async function startMicroservice(name: string, module: unknown, config: PlatformConfig): Promise<INestMicroservice> {
  const root = { module: ServiceRoot, imports: [module as never, MetricsModule.forRoot(name, { serve: true })] };
  // The transport answers on the instance's one connection, made by EventStoreModule before listen() asks for it.
  let app: INestMicroservice | undefined;
  const strategy = new SharedNatsServer(() => app!.get(BUS_CONNECTION), { queue: name });
  app = await NestFactory.createMicroservice<MicroserviceOptions>(root, { strategy, logger: new JsonLogger(name, config.logLevels) });
  app.enableShutdownHooks();
  await app.listen();
  new Logger(name).log(`${name} service listening on ${config.natsUrl}`);
  announceBusIdentity(name, config.natsCredentials);
  return app;
}
