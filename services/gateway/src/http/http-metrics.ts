// HTTP requests and their latency, by method, route pattern and status:
// `/v1/hosting/vms/:id`, never the raw path, which would make a series per
// resource. Registered first, so requests refused before routing (rate
// limits, bodies) count too, under route "unrouted", as do unknown paths.
import type { INestApplication } from '@nestjs/common';
import { Metrics, secondsSince } from '@pn/service-kit';
import type { NextFunction, Request, Response } from 'express';

/** The route pattern a request matched (`/v1/hosting/vms/:id`), or "unrouted". */
export function routePattern(req: Request): string {
  // Express sets req.route once a route matched; Nest mounts each at its full path.
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unrouted';
}

export function useHttpMetrics(app: INestApplication): void {
  const metrics = app.get(Metrics);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    res.once('finish', () => {
      const labels = { method: req.method, route: routePattern(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, secondsSince(start));
    });
    next();
  });
}
