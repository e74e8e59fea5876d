// The deadline of the request being handled, wherever the handling has got to:
// kept in AsyncLocalStorage, so any RpcClient.call made for it (however deep
// in a service) waits no longer than what is left, and a long handler can ask
// between steps whether anyone still waits. The gateway enters one per HTTP
// request (http/request-deadline.ts); @Rpc enters the one a bus request
// carries. Work outside any request (the provisioning sweeper) has none and
// runs under its own timeouts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { HOP_MARGIN_MS, isExpired, remainingMs } from './deadline-rules.js';
import { RequestTimeoutError } from './rpc-errors.js';

const deadlines = new AsyncLocalStorage<number | undefined>();

/** Runs `work` (and everything it starts) under `deadline`; undefined: under none. */
export function withDeadline<T>(deadline: number | undefined, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** The deadline of the request being handled (epoch ms), if any. */
export const currentDeadline = (): number | undefined => deadlines.getStore();

/** True once nobody waits for the request being handled any more. */
export function deadlineExceeded(now = Date.now()): boolean {
  const deadline = currentDeadline();
  return deadline !== undefined && isExpired(deadline, now);
}

/** Milliseconds left for the request being handled; undefined when it has no deadline. */
export function timeLeftMs(now = Date.now()): number | undefined {
  const deadline = currentDeadline();
  return deadline === undefined ? undefined : remainingMs(deadline, now);
}

/**
 * How long an append made for the request being handled may wait for its
 * ack, in all: what is left, less the margin to answer in (the event store
 * asks at each append); undefined outside a request.
 */
export function appendBudgetMs(now = Date.now()): number | undefined {
  const left = timeLeftMs(now);
  return left === undefined ? undefined : Math.max(0, left - HOP_MARGIN_MS);
}

/**
 * The request's deadline passed before something could start. A 504
 * `upstream_timeout` like any timeout, so callers (and the resources
 * service's "transient, leave it to the sweeper") treat it the same way.
 */
export class DeadlineExceededError extends RequestTimeoutError {
  constructor(subject: string, message: string) {
    super(subject, 0);
    this.message = message;
  }
}

/**
 * For long handlers, between steps: throws DeadlineExceededError when nobody
 * waits any more, so the next step is not started. Only safe where every
 * finished step is already recorded and something resumes the rest.
 */
export function stopIfDeadlineExceeded(nextStep: string): void {
  if (deadlineExceeded()) throw new DeadlineExceededError(nextStep, `the request's deadline passed; stopped before ${nextStep}`);
}
