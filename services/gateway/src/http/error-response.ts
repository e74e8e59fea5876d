// Whatever went wrong, as the API answers it: a service's domain error as its
// 4xx, a service or the bus that does not answer as 503, a timeout as 504,
// anything unexplained as 500 "internal". Shared by the exception filter and
// by idempotent creates, which store the answer they gave.
import { HttpException } from '@nestjs/common';
import { toErrorReply } from '@pn/service-kit';
import { CreateFailure, type ApiErrorBody } from './api-error.js';

export interface ErrorResponse {
  readonly status: number;
  readonly body: ApiErrorBody;
}

export function errorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof CreateFailure) {
    const { status, body } = errorResponse(exception.failure);
    return status >= 500 ? { status, body: { error: { ...body.error, resource_id: exception.resourceId } } } : { status, body };
  }
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    const status = exception.getStatus();
    // Ours (ApiError) already has the API's shape; Nest's own carry `error` as a string.
    if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'object') {
      return { status, body: body as ApiErrorBody };
    }
    // Nest's own exceptions (unknown route, body parser failures).
    const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
    return { status, body: { error: { code: codeForStatus(status, message), message } } };
  }
  const reply = toErrorReply(exception);
  return { status: reply.status, body: { error: { code: reply.code, message: reply.message, ...(reply.field ? { field: reply.field } : {}) } } };
}

function codeForStatus(status: number, message: string): string {
  if (status === 400 && /JSON/i.test(message)) return 'malformed_json';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 503) return 'service_unavailable';
  return status >= 500 ? 'internal' : 'bad_request';
}

/** How long a client should wait before retrying a 503: about one NATS reconnect attempt. */
export const RETRY_AFTER_SECONDS = 2;
