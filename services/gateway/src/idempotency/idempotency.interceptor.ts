// Idempotency-Key on the creates: the first request under a key runs, and
// every later one with the same method, path and body gets its answer (same
// status, same body, the same resource), from any gateway instance, for 24 h.
// Another request under a key already used is a 422; one that arrives while
// the first is still running waits for its answer (409 if that takes longer
// than the create itself may). The rules are in idempotency-rules.ts.
import { randomBytes } from 'node:crypto';
import { HttpException, Inject, Injectable, Logger, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { newUlid, PLATFORM_CONFIG, RemoteError, timeLeftMs, type PlatformConfig } from '@pn/service-kit';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { Account } from '../accounts/accounts.service.js';
import { ApiError, CreateFailure } from '../http/api-error.js';
import { errorResponse } from '../http/error-response.js';
import { MULTI_HOP_TIMEOUT_FACTOR } from '../resources/resource-api.js';
import { fingerprint, idempotencyKeyProblem, judge, outcome, storageKey, type IdempotencyRecord } from './idempotency-rules.js';
import { IdempotencyStore } from './idempotency-store.js';
import { reserveUlid } from './reserved-ulid.js';
import { seal, sealingKey, unseal } from './sealed-body.js';

const HEADER = 'Idempotency-Key';
const POLL_MS = 50;

/** Marks a create endpoint as taking an Idempotency-Key. */
export const Idempotent = () => UseInterceptors(IdempotencyInterceptor);

interface Attempt {
  readonly key: string;
  readonly record: IdempotencyRecord;
  readonly revision: number;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  /** Longer than any create may take: an attempt older than this is presumed dead and taken over. */
  /** The server secret answers are sealed with (see sealed-body.ts). */
  private readonly secret: string;
  private readonly leaseMs: number;
  /** How long a duplicate waits for the attempt under way before answering 409. */
  private readonly waitMs: number;

  constructor(
    private readonly store: IdempotencyStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.secret = config.idempotencySecret || randomBytes(32).toString('hex');
    if (!config.idempotencySecret) {
      new Logger('Idempotency').warn('no IDEMPOTENCY_SECRET nor ADMIN_TOKEN: stored answers are sealed with a secret of this process only, so a retry answered by another gateway instance gets 422');
    }
    const createTimeoutMs = config.rpcTimeoutMs * MULTI_HOP_TIMEOUT_FACTOR;
    this.leaseMs = 2 * createTimeoutMs;
    this.waitMs = createTimeoutMs + 1000;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { account?: Account }>();
    const response = context.switchToHttp().getResponse<Response>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    const problem = idempotencyKeyProblem(header);
    if (problem) return throwError(() => new ApiError(400, 'validation_failed', problem, HEADER));
    const idempotencyKey = header as string;
    // Keys are per caller: an account, or the platform admin.
    const caller = request.account ? request.account.id : 'admin';
    const key = storageKey(caller, idempotencyKey);
    const sealWith = sealingKey(this.secret, caller, idempotencyKey);
    const requestFingerprint = fingerprint(request.method, request.originalUrl.split('?')[0]!, request.body);

    return from(this.begin(key, requestFingerprint)).pipe(
      mergeMap((begun) => {
        if (begun.kind === 'replay') {
          const body = unseal(begun.sealedBody, sealWith);
          if (body === undefined) throw new ApiError(422, 'idempotency_key_reused', `the first answer under this ${HEADER} cannot be read with these credentials; use a new key`, HEADER);
          response.setHeader('Idempotent-Replayed', 'true');
          const parsed = body === '' ? undefined : JSON.parse(body);
          if (begun.status >= 400) throw new HttpException(parsed, begun.status);
          response.status(begun.status);
          return of(parsed);
        }
        const attempt = begun.attempt;
        reserveUlid(response, attempt.record.ulid);
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.settle(attempt, response.statusCode, false, body, sealWith);
            return body;
          }),
          catchError((error: unknown) => {
            const { status, body } = errorResponse(error);
            const refused = (error instanceof CreateFailure ? error.failure : error) instanceof RemoteError;
            return from(this.settle(attempt, status, refused, body, sealWith)).pipe(mergeMap(() => throwError(() => error)));
          }),
        );
      }),
    );
  }

  /** Claims the key, or finds what is under it: an answer to replay, or an attempt to take over. */
  private async begin(key: string, requestFingerprint: string): Promise<{ kind: 'run'; attempt: Attempt } | { kind: 'replay'; status: number; sealedBody: string }> {
    // A duplicate waits for the attempt under way, but never past its own request's deadline:
    // it answers 409 in time rather than a timeout.
    const deadline = Date.now() + Math.min(this.waitMs, Math.max(0, (timeLeftMs() ?? this.waitMs) - 250));
    for (;;) {
      const fresh: IdempotencyRecord = { fingerprint: requestFingerprint, state: 'in_progress', ulid: newUlid(), startedAt: Date.now() };
      const revision = await this.store.claim(key, fresh);
      if (revision !== undefined) return { kind: 'run', attempt: { key, record: fresh, revision } };
      const found = await this.store.read(key);
      if (!found) continue; // expired or released just now: claim again
      const finding = judge(found.record, requestFingerprint, Date.now(), this.leaseMs);
      switch (finding.kind) {
        case 'reused':
          throw new ApiError(422, 'idempotency_key_reused', `this ${HEADER} was used for another request (a different method, path or body); use a new key`, HEADER);
        case 'replay':
          return finding;
        case 'resume': {
          const record: IdempotencyRecord = { ...found.record, state: 'in_progress', startedAt: Date.now() };
          const taken = await this.store.replace(key, record, found.revision);
          if (taken !== undefined) return { kind: 'run', attempt: { key, record, revision: taken } };
          continue; // someone else took it over first
        }
        case 'wait':
          if (Date.now() > deadline) {
            throw new ApiError(409, 'idempotency_key_in_progress', `a request with this ${HEADER} is still being processed; retry shortly`, HEADER);
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  }

  /**
   * Records how the attempt ended. A failure to record is not the client's
   * problem: the answer still goes out, and the key, left in progress, is
   * taken over after its lease by a retry, which finds the same resource.
   */
  private async settle(attempt: Attempt, status: number, refusedByService: boolean, body: unknown, sealWith: Buffer): Promise<void> {
    const { key, record, revision } = attempt;
    try {
      switch (outcome(status, refusedByService)) {
        case 'store': {
          const sealedBody = seal(body === undefined ? '' : JSON.stringify(body), sealWith);
          await this.store.replace(key, { ...record, state: 'done', answer: { status, sealedBody } }, revision);
          return;
        }
        case 'reopen':
          await this.store.replace(key, { ...record, state: 'open' }, revision);
          return;
        case 'forget':
          await this.store.release(key, revision);
      }
    } catch {
      // see above
    }
  }
}
