// Idempotent creates (DESIGN.md: "a retry with the same key and body returns
// the first answer, never a second resource"), the rules without the
// storage: which keys are valid, what makes two requests "the same", and
// what a request finds under its key.
import { createHash } from 'node:crypto';

/** How long a key is remembered (the KV bucket's TTL). */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** 1 to 255 printable ASCII characters (a UUID, a hash, "order-42"). */
export function idempotencyKeyProblem(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return 'Idempotency-Key must be given once';
  if (value === undefined || value.length < 1 || value.length > 255) return 'Idempotency-Key must be 1 to 255 characters';
  if (!/^[\x20-\x7e]+$/.test(value)) return 'Idempotency-Key must be printable ASCII';
  return undefined;
}

/** Where a key is stored: per caller (an account, or the admin), hashed, so a key never collides across callers and is never stored as given. */
export const storageKey = (scope: string, key: string): string => createHash('sha256').update(`${scope}\0${key}`).digest('hex');

/** What a retry must repeat exactly: method, path and body (keys in any order). */
export const fingerprint = (method: string, path: string, body: unknown): string =>
  createHash('sha256').update(canonicalJson([method.toUpperCase(), path, body ?? null])).digest('hex');

/** JSON with object keys sorted, so that {"a":1,"b":2} and {"b":2,"a":1} read the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface IdempotencyRecord {
  readonly fingerprint: string;
  /** in_progress: an attempt is running; done: `answer` is final; open: the last attempt failed on our side (5xx), a retry runs again. */
  readonly state: 'in_progress' | 'done' | 'open';
  /** The ULID the resource's id is made of: every attempt under one key names the same resource. */
  readonly ulid: string;
  /** When the running attempt started (ms since the epoch). */
  readonly startedAt: number;
  readonly answer?: { readonly status: number; readonly sealedBody: string };
}

export type Finding =
  | { readonly kind: 'reused' } // the key was used for another request: 422
  | { readonly kind: 'replay'; readonly status: number; readonly sealedBody: string }
  | { readonly kind: 'wait' } // the same request is under way elsewhere
  | { readonly kind: 'resume' }; // run it again, under the same resource id

/**
 * What a request finds under its key. An attempt running for longer than
 * `leaseMs` is presumed dead (its gateway crashed): the request takes it over.
 */
export function judge(record: IdempotencyRecord, requestFingerprint: string, now: number, leaseMs: number): Finding {
  if (record.fingerprint !== requestFingerprint) return { kind: 'reused' };
  if (record.state === 'done' && record.answer) return { kind: 'replay', status: record.answer.status, sealedBody: record.answer.sealedBody };
  if (record.state === 'in_progress' && now - record.startedAt < leaseMs) return { kind: 'wait' };
  return { kind: 'resume' };
}

/**
 * What becomes of a key once its attempt has answered:
 *  - store: the answer is final (a success, or a service's refusal such as
 *    409 address_space_exhausted, after which the resource stays listed as failed);
 *  - reopen: a 5xx (a service or the bus down, a timeout): the resource may or
 *    may not exist, so a retry runs again, under the same resource id;
 *  - forget: refused before anything ran (the request was invalid, or a quota
 *    was full: 429 creates nothing): the key is free again, for a corrected
 *    request or for a retry once a slot is free.
 */
export function outcome(status: number, refusedByService: boolean): 'store' | 'reopen' | 'forget' {
  if (status >= 500) return 'reopen';
  if (status === 429) return 'forget';
  if (status < 400 || refusedByService) return 'store';
  return 'forget';
}
