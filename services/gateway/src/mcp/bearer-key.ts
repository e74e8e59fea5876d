// MCP clients send their credential as `Authorization: Bearer <key>` (that is
// what their configuration has a field for); the API reads `X-API-Key`. On
// /mcp only, a Bearer token becomes the X-API-Key before the rate limiter and
// the guard look, so both treat it as the API key it is. Elsewhere Bearer
// stays the admin token's. The Authorization header is dropped on /mcp either
// way: the admin token is no MCP credential, and must not lift rate limits there.
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const MCP_PATH = /^\/mcp\/?$/;

export function useBearerApiKeysOnMcp(app: INestApplication): void {
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (MCP_PATH.test(req.path)) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (bearer && !req.headers['x-api-key']) req.headers['x-api-key'] = bearer;
      delete req.headers.authorization;
    }
    next();
  });
}
