// Errors that cross the bus. A handler's failure travels as an ErrorReply
// (code, message, HTTP status, field); the caller gets it back as RemoteError.
// Transport failures get their own types so the gateway can say 503 or 504.
import { DomainError } from '@pn/decider';

export interface ErrorReplyJson {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly field?: string;
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  not_found: 404,
  validation_failed: 400,
  invalid_name: 400,
  invalid_kind: 400,
  invalid_cidr: 400,
  invalid_request: 400,
  address_space_exhausted: 409,
  project_exists: 409,
  account_exists: 409,
  invalid_state: 409,
  cidr_mismatch: 409,
  address_already_assigned: 409,
  not_ready: 409,
  // A conflict that outlived its retries: busy, worth retrying, not a refusal.
  wrong_expected_revision: 503,
  resource_retired: 409,
  invalid_stream_id: 400,
};

export class RemoteError extends Error {
  constructor(readonly reply: ErrorReplyJson) {
    super(reply.message);
    this.name = 'RemoteError';
  }
}

export class ServiceUnavailableError extends Error {
  readonly code = 'service_unavailable';
  constructor(readonly subject: string) {
    super(`no service is answering ${subject} right now`);
  }
}

export class RequestTimeoutError extends Error {
  readonly code = 'upstream_timeout';
  constructor(readonly subject: string, readonly timeoutMs: number) {
    super(`${subject} did not answer within ${timeoutMs} ms`);
  }
}

/** What a handler's failure looks like on the wire. Unknown errors say nothing of their insides. */
export function toErrorReply(error: unknown): ErrorReplyJson {
  if (error instanceof RemoteError) return error.reply;
  if (error instanceof ServiceUnavailableError) return { code: error.code, message: error.message, status: 503 };
  if (error instanceof RequestTimeoutError) return { code: error.code, message: error.message, status: 504 };
  if (error instanceof DomainError) {
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    return { code: error.code, message: error.message, status: STATUS_BY_CODE[error.code] ?? 422, ...(field ? { field } : {}) };
  }
  // Typed errors of the event store (invalid stream id, a conflict that outlived its retries).
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && STATUS_BY_CODE[code] !== undefined) {
    return { code, message: error.message, status: STATUS_BY_CODE[code] };
  }
  return { code: 'internal', message: 'internal error', status: 500 };
}

export function isErrorReply(value: unknown): value is ErrorReplyJson {
  return typeof value === 'object' && value !== null && typeof (value as ErrorReplyJson).code === 'string' && typeof (value as ErrorReplyJson).status === 'number';
}
