// The rate limit as a token bucket: a caller holds up to `burst` tokens, one
// per request, refilled at `perSecond`. A quiet caller can send a burst at
// once; a busy one is held to the steady rate. Pure: the time comes in.
export interface BucketLimits {
  /** Tokens added per second: the steady rate. */
  readonly perSecond: number;
  /** Most tokens held: the largest burst. */
  readonly burst: number;
}

export interface Bucket {
  readonly tokens: number;
  /** When `tokens` was last computed, in ms. */
  readonly at: number;
}

export type Take =
  | { readonly allowed: true; readonly bucket: Bucket }
  | { readonly allowed: false; readonly bucket: Bucket; /** Whole seconds until a token is there (at least 1), for Retry-After. */ readonly retryAfterSeconds: number };

/** The bucket refilled up to `now` (a new caller starts full; a clock that went back adds nothing). */
export function refill(bucket: Bucket | undefined, now: number, limits: BucketLimits): Bucket {
  if (!bucket) return { tokens: limits.burst, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  return { tokens: Math.min(limits.burst, bucket.tokens + (elapsed * limits.perSecond) / 1000), at: Math.max(now, bucket.at) };
}

/** Takes one token for a request, or says how long to wait for one. */
export function take(bucket: Bucket | undefined, now: number, limits: BucketLimits): Take {
  const current = refill(bucket, now, limits);
  if (current.tokens >= 1) return { allowed: true, bucket: { tokens: current.tokens - 1, at: current.at } };
  const waitMs = ((1 - current.tokens) * 1000) / limits.perSecond;
  return { allowed: false, bucket: current, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/** A bucket that would be full by `now` holds nothing a new one would not: it can be forgotten. */
export const isFull = (bucket: Bucket, now: number, limits: BucketLimits): boolean => refill(bucket, now, limits).tokens >= limits.burst;
