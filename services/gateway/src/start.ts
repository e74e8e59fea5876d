// The gateway: HTTP for users and agents, NATS to the services behind it.
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { announceBusIdentity, BUS_CONNECTION, JsonLogger, SharedNatsServer, type PlatformConfig } from '@pn/service-kit';
import { GatewayModule } from './gateway.module.js';
import { answerClientErrors } from './http/client-error.js';
import { limitConnections } from './http/connection-limits.js';
import { useHttpMetrics } from './http/http-metrics.js';
import { useAccessLog } from './http/access-log.js';
import { useJsonBodies } from './http/json-body.js';
import { useRequestDeadlines } from './http/request-deadline.js';
import { useRequestIds } from './http/request-id.js';
import { validationPipe } from './http/validation.js';
import { useRateLimits } from './limits/rate-limiter.js';
import { useBearerApiKeysOnMcp } from './mcp/bearer-key.js';
import { useOpenApi } from './openapi/openapi.js';
import { useConsole } from './http/console.js';

export async function startGateway(config: PlatformConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), { logger: new JsonLogger('gateway', config.logLevels), bodyParser: false });
  // No "X-Powered-By: Express": it tells a scanner what to try, and a client nothing.
  app.disable('x-powered-by');
  answerClientErrors(app.getHttpServer());
  limitConnections(app.getHttpServer(), config);
  useHttpMetrics(app); // first: refusals by the middlewares below are counted too
  useAccessLog(app); // before the request id is set, so it logs refusals too (it reads the id at the end)
  useRequestIds(app);
  useBearerApiKeysOnMcp(app); // before the rate limiter and the guard read X-API-Key
  useRateLimits(app);
  useRequestDeadlines(app, config);
  useJsonBodies(app);
  app.connectMicroservice<MicroserviceOptions>({ strategy: new SharedNatsServer(() => app.get(BUS_CONNECTION), { queue: 'gateway' }) });
  app.useGlobalPipes(validationPipe);
  useOpenApi(app); // /openapi.json and /docs
  useConsole(app); // /console: static files
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(config.gatewayPort, config.gatewayHost);
  new Logger('gateway').log(`gateway listening on ${await app.getUrl()}`);
  announceBusIdentity('gateway', config.natsCredentials);
  return app;
}
