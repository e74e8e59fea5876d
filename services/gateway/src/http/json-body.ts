// JSON bodies, parsed by us rather than by Nest, so that every problem with a
// body is answered in the API's error shape (body-parser errors never reach
// Nest's exception filters), and checked for shape before any validator runs:
//   - a body that is not JSON (by its Content-Type) is a 415;
//   - malformed JSON is a 400, one larger than LIMIT a 413;
//   - a body nested too deep or with too many keys, or with a key such as
//     `__proto__`, is a 400 (see body-shape.ts), cheaply, before class-validator.
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { bodyProblem } from './body-shape.js';
import { carriesBody, isJsonMediaType } from './media-type.js';

const LIMIT = '256kb';
const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);

const fail = (res: Response, status: number, code: string, message: string, field?: string) =>
  res.status(status).json({ error: { code, message, ...(field ? { field } : {}) } });

export function useJsonBodies(app: INestApplication): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (METHODS_WITH_BODIES.has(req.method) && carriesBody(req.headers) && !isJsonMediaType(req.headers['content-type'])) {
      const sent = req.headers['content-type'] ? `"${req.headers['content-type']}"` : 'no Content-Type';
      fail(res, 415, 'unsupported_media_type', `request bodies must be JSON (Content-Type: application/json), got ${sent}`);
      return;
    }
    next();
  });
  app.use(express.json({ limit: LIMIT, type: (req) => isJsonMediaType(req.headers['content-type']) }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const problem = req.body === undefined ? undefined : bodyProblem(req.body);
    if (problem) {
      fail(res, 400, problem.code, problem.message, problem.field);
      return;
    }
    next();
  });
  app.use((error: { type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (error?.type === 'entity.parse.failed') {
      fail(res, 400, 'malformed_json', `request body is not valid JSON: ${error.message}`);
    } else if (error?.type === 'entity.too.large') {
      fail(res, 413, 'payload_too_large', `request body is larger than ${LIMIT}`);
    } else if (error?.type === 'charset.unsupported' || error?.type === 'encoding.unsupported') {
      fail(res, 415, 'unsupported_media_type', error.message ?? 'unsupported body encoding');
    } else if (error?.type) {
      fail(res, 400, 'bad_request', error.message ?? 'unreadable request body');
    } else {
      next(error);
    }
  });
}
