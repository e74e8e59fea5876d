// Maps whatever went wrong to the API's error shape and the right status (see
// error-response.ts). Never an unexplained 500: an unknown error is logged
// and says "internal". A 503 says when to come back (Retry-After).
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { CreateFailure } from './api-error.js';
import { errorResponse, RETRY_AFTER_SECONDS } from './error-response.js';

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = errorResponse(exception);
    const cause = exception instanceof CreateFailure ? exception.failure : exception;
    // A service that is down or slow is an operational fact (warn); anything else unexplained is a bug (error, with its stack).
    if (status === 503 || status === 504) this.logger.warn(body.error.message);
    else if (status >= 500 && !(cause instanceof HttpException)) {
      this.logger.error(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
    }
    if (status === 503) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(status).json(body);
  }
}
