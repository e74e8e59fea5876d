// /console: the web console, plain files from services/gateway/console served
// as they are (no build step). The same two levels up from src/http and from
// dist/http, so in-process tests and the built gateway find them alike. Not a
// controller: it is no part of the API its OpenAPI description covers.
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

const CONSOLE_DIR = join(import.meta.dirname, '..', '..', 'console');

export function useConsole(app: NestExpressApplication): void {
  app.useStaticAssets(CONSOLE_DIR, {
    prefix: '/console',
    setHeaders: (res) => {
      // Only its own scripts and calls to this gateway: a name a user chose can never run as code.
      res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
}
