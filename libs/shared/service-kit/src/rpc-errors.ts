// Errors that cross the bus. A handler's failure travels as an ErrorReply
// (code, message, HTTP status, field); the caller gets it back as RemoteError.
// Transport failures get their own types so the gateway can say 503 or 504.
import { DomainError, ownValue } from '@pn/decider';

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
  resource_id_taken: 409,
  invalid_stream_id: 400,
  // An account's or a network's quota is full: nothing wrong with the request, too many of a thing.
  quota_exceeded: 429,
  // Revoking it would leave the account unable to change anything (accounts-domain api-key-rules.ts).
  last_write_key: 409,
  // Public exposure.
  public_pool_exhausted: 409,
  lease_ended: 409,
  domain_taken: 409,
  no_public_address: 409,
  domains_attached: 409,
  port_conflict: 409,
  invalid_domain: 400,
};

export class RemoteError extends Error {
  constructor(readonly reply: ErrorReplyJson) {
    super(reply.message);
    this.name = 'RemoteError';
  }
}

export class ServiceUnavailableError extends Error {
  readonly code = 'service_unavailable';
  constructor(
    readonly subject: string,
    message = `no service is answering ${subject} right now`,
  ) {
    super(message);
  }
}

/**
 * What the NATS client throws while the bus itself is unreachable (closed,
 * reconnecting, draining, or a request nobody answered): by name, since a
 * process may hold more than one copy of the client. A bus outage is a 503
 * worth retrying, never an unexplained 500.
 */
const BUS_ERROR_NAMES = new Set([
  'ClosedConnectionError',
  'ConnectionError',
  'DrainingConnectionError',
  'NoResponders',
  'RequestError',
  'TimeoutError',
  'JetStreamNotEnabled',
]);

const JETSTREAM_TEMPORARILY_UNAVAILABLE = 10008;

export function isBusOutage(error: unknown, depth = 0): boolean {
  if (typeof error === 'string') return /connection (lost|closed)/i.test(error); // Nest's ClientNats rejects with a bare string while reconnecting
  if (!(error instanceof Error) || depth > 4) return false;
  if (BUS_ERROR_NAMES.has(error.name)) return true;
  // A cluster electing a leader (for ~5 s after a node dies): as passing as an outage, and as worth a retry.
  if (error.name === 'JetStreamApiError' && (error as { code?: unknown }).code === JETSTREAM_TEMPORARILY_UNAVAILABLE) return true;
  if (error.message === 'Connection closed') return true; // Nest's ClientNats, for requests in flight when it closes
  return error.cause !== undefined && isBusOutage(error.cause, depth + 1);
}

export const busUnavailable = (subject: string) => new ServiceUnavailableError(subject, `the message bus is unreachable right now (${subject}); retry shortly`);

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
    return { code: error.code, message: error.message, status: ownValue(STATUS_BY_CODE, error.code) ?? 422, ...(field ? { field } : {}) };
  }
  // Typed errors of the event store (invalid stream id, a conflict that outlived its retries).
  const code = (error as { code?: unknown } | null)?.code;
  const status = typeof code === 'string' ? ownValue(STATUS_BY_CODE, code) : undefined;
  if (error instanceof Error && typeof code === 'string' && status !== undefined) {
    return { code, message: error.message, status };
  }
  if (isBusOutage(error)) return { code: 'service_unavailable', message: 'the message bus or event store is unreachable right now; retry shortly', status: 503 };
  return { code: 'internal', message: 'internal error', status: 500 };
}

export function isErrorReply(value: unknown): value is ErrorReplyJson {
  return typeof value === 'object' && value !== null && typeof (value as ErrorReplyJson).code === 'string' && typeof (value as ErrorReplyJson).status === 'number';
}
