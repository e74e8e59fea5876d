// One log line per HTTP request, at `log` level: method, route pattern (not
// the raw path, which may carry ids and query strings), status, duration and
// the request id, so an operator can start from any request and grep its id
// through every service. Written on 'close', which comes for answered and
// abandoned requests alike (a live events stream ends that way).
import { Logger, type INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { routePattern } from './http-metrics.js';
import { REQUEST_ID_RESPONSE_HEADER } from './request-id.js';

const logger = new Logger('http');

export function useAccessLog(app: INestApplication): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    res.once('close', () => {
      // Read from the response: useRequestIds (after this) sets it, and this
      // listener runs outside the request's async context.
      const requestId = res.getHeader(REQUEST_ID_RESPONSE_HEADER);
      logger.log({
        msg: 'http request',
        method: req.method,
        route: routePattern(req),
        status: res.statusCode,
        ms: Math.round(performance.now() - start),
        ...(res.writableFinished ? {} : { aborted: true }),
        ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
      });
    });
    next();
  });
}
