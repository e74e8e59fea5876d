// The ULID a create's resource id is made of, when an Idempotency-Key chose it:
// every attempt under one key then names the same resource, so a retry finds
// the resource an earlier attempt made instead of making a second one.
import type { Response } from 'express';

export const reserveUlid = (response: Response, ulid: string): void => {
  response.locals.reservedUlid = ulid;
};

export const reservedUlid = (response: Response): string | undefined => response.locals.reservedUlid as string | undefined;
