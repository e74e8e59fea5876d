// Starts a service that listens on the bus only (no HTTP). Every instance of
// a service joins one queue group, so a request goes to exactly one of them.
import { Logger, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { natsOptions, type PlatformConfig } from './config.js';
import { JsonLogger } from './json-logger.js';

export async function startMicroservice(name: string, module: unknown, config: PlatformConfig): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module as never, {
    transport: Transport.NATS,
    options: { ...natsOptions(config, name), queue: name },
    logger: new JsonLogger(name, config.logLevels),
  });
  app.enableShutdownHooks();
  await app.listen();
  new Logger(name).log(`${name} service listening on ${config.natsUrl}`);
  return app;
}
