// Which request the work at hand belongs to, wherever it has got to: the
// request id (X-Request-Id at the gateway, carried on the bus as
// Pn-Request-Id) and the id of the bus message being handled. Kept in
// AsyncLocalStorage like the deadline (deadline.ts), so logs, bus calls and
// the events a command appends all name the request that caused them.
import { AsyncLocalStorage } from 'node:async_hooks';

export const REQUEST_ID_HEADER = 'Pn-Request-Id';
export const MESSAGE_ID_HEADER = 'Pn-Message-Id';

export interface RequestContext {
  readonly requestId: string;
  /** The bus message being handled, when there is one: the direct cause of what is done. */
  readonly messageId?: string;
}

const contexts = new AsyncLocalStorage<RequestContext | undefined>();

export function withRequestContext<T>(context: RequestContext | undefined, work: () => T): T {
  return contexts.run(context, work);
}

export const currentRequestContext = (): RequestContext | undefined => contexts.getStore();

// Ids arrive from outside (a client's X-Request-Id, a header on the bus):
// short, printable, nothing that could forge a log line.
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id if it is one we can carry and log safely, else undefined. */
export function acceptRequestId(raw: unknown): string | undefined {
  return typeof raw === 'string' && VALID_ID.test(raw) ? raw : undefined;
}

/**
 * Metadata for the events a command appends: the request it is part of
 * (correlation) and the message that asked for it (causation).
 */
export function eventMetadata(): Record<string, string> {
  const context = currentRequestContext();
  if (!context) return {};
  return { correlation_id: context.requestId, causation_id: context.messageId ?? context.requestId };
}
