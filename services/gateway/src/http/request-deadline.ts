// Every HTTP request gets a deadline when it arrives: REQUEST_DEADLINE_MS from
// now. Everything done for it runs under that deadline (AsyncLocalStorage, see
// @pn/service-kit deadline.ts), so each bus call waits at most what is left,
// less a margin to answer in, and says so to the service it calls, which
// passes it on. Each call keeps its own timeout too: RPC_TIMEOUT_MS (5 s) for
// a read, three times that for a create or delete (which waits for ipam and
// dns behind resources). With the defaults, then, the 10 s deadline bounds a
// create and every hop behind it together; before, each hop behind had its own
// 5 s and could run on after the gateway had answered 504.
import type { INestApplication } from '@nestjs/common';
import { withDeadline, type PlatformConfig } from '@pn/service-kit';
import type { NextFunction, Request, Response } from 'express';

/**
 * Registered before body parsing so the time to read a body counts too. The
 * deadline still reaches the handler: body-parser 2 awaits the body (a
 * promise), and promises carry AsyncLocalStorage (the deadlines suite checks
 * that the services behind see it).
 */
export function useRequestDeadlines(app: INestApplication, config: PlatformConfig): void {
  app.use((_req: Request, _res: Response, next: NextFunction) => withDeadline(Date.now() + config.requestDeadlineMs, next));
}
