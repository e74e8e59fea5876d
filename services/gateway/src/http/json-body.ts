// JSON bodies, parsed by us rather than by Nest, so that a malformed body is
// answered in the API's error shape (body-parser errors never reach Nest's
// exception filters).
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

const LIMIT = '256kb';

export function useJsonBodies(app: INestApplication): void {
  app.use(express.json({ limit: LIMIT }));
  app.use((error: { type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (error?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'malformed_json', message: `request body is not valid JSON: ${error.message}` } });
    } else if (error?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'payload_too_large', message: `request body is larger than ${LIMIT}` } });
    } else if (error?.type) {
      res.status(400).json({ error: { code: 'bad_request', message: error.message ?? 'unreadable request body' } });
    } else {
      next(error);
    }
  });
}
