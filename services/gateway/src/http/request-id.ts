// Every HTTP request has an id: the client's X-Request-Id when it is a sane
// one, else a new one. It is returned in the X-Request-Id header and in every
// error body (`error.request_id`), carried on the bus to every service the
// request touches (Pn-Request-Id), written into every log line made for it
// and into the metadata of every event it causes (correlation_id). Registered
// first, so even a refusal by the rate limiter or the body parser names it.
import type { INestApplication } from '@nestjs/common';
import { acceptRequestId, newUlid, withRequestContext } from '@pn/service-kit';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_RESPONSE_HEADER = 'X-Request-Id';

/** An error body with the request id in it; any other body as it is. */
export function withRequestIdInError(body: unknown, requestId: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return body;
  return { ...body, error: { ...error, request_id: requestId } };
}

export function useRequestIds(app: INestApplication): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = acceptRequestId(req.headers['x-request-id']) ?? newUlid();
    res.setHeader(REQUEST_ID_RESPONSE_HEADER, requestId);
    // Every path that answers an error (filters, middlewares) ends in res.json: add the id there, once.
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(withRequestIdInError(body, requestId));
    withRequestContext({ requestId }, next);
  });
}
