// Maps whatever went wrong to the API's error shape and the right status:
// a service's domain error to its 4xx, no responders to 503, a timeout to
// 504. Never an unexplained 500: an unknown error is logged and says "internal".
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { toErrorReply } from '@pn/service-kit';
import type { Response } from 'express';

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const status = exception.getStatus();
      // Ours (ApiError) already has the API's shape; Nest's own carry `error` as a string.
      if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'object') {
        response.status(status).json(body);
        return;
      }
      // Nest's own exceptions (unknown route, body parser failures).
      const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
      response.status(status).json({ error: { code: codeForStatus(status, message), message } });
      return;
    }
    const reply = toErrorReply(exception);
    // A service that is down or slow is an operational fact (warn); anything else unexplained is a bug (error, with its stack).
    if (reply.status === 503 || reply.status === 504) this.logger.warn(reply.message);
    else if (reply.status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    response.status(reply.status).json({ error: { code: reply.code, message: reply.message, ...(reply.field ? { field: reply.field } : {}) } });
  }
}

function codeForStatus(status: number, message: string): string {
  if (status === 400 && /JSON/i.test(message)) return 'malformed_json';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return status >= 500 ? 'internal' : 'bad_request';
}
