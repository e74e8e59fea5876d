import { describe, expect, it } from '@jest/globals';
import { isFull, take, type Bucket, type BucketLimits } from './token-bucket.js';

const limits: BucketLimits = { perSecond: 2, burst: 3 };

/** Sends `n` requests at `now`, returning the bucket after and how many were allowed. */
function burst(bucket: Bucket | undefined, now: number, n: number) {
  let allowed = 0;
  let last: ReturnType<typeof take> | undefined;
  for (let i = 0; i < n; i++) {
    last = take(bucket, now, limits);
    bucket = last.bucket;
    if (last.allowed) allowed++;
  }
  return { bucket: bucket!, allowed, last: last! };
}

describe('token bucket', () => {
  it('given a new caller, when it sends a burst, then up to `burst` pass and the next is refused with Retry-After', () => {
    const { allowed, last } = burst(undefined, 0, 4);
    expect(allowed).toBe(3);
    expect(last).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it('given an empty bucket, when time passes, then it refills at the steady rate and no further than the burst', () => {
    const empty = burst(undefined, 0, 3).bucket;
    expect(take(empty, 499, limits).allowed).toBe(false);
    expect(take(empty, 500, limits).allowed).toBe(true);
    expect(burst(empty, 60_000, 10).allowed).toBe(3);
  });

  it('given a caller at the steady rate, then every request passes', () => {
    let bucket: Bucket | undefined = burst(undefined, 0, 3).bucket;
    for (let t = 500; t <= 10_000; t += 500) {
      const result = take(bucket, t, limits);
      expect(result.allowed).toBe(true);
      bucket = result.bucket;
    }
  });

  it('says how many whole seconds until the next token, at least 1', () => {
    const slow: BucketLimits = { perSecond: 0.25, burst: 1 };
    const empty = take(undefined, 0, slow).bucket;
    expect(take(empty, 0, slow)).toMatchObject({ allowed: false, retryAfterSeconds: 4 });
    expect(take(empty, 3_500, slow)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it('adds nothing when the clock goes back', () => {
    const empty = burst(undefined, 10_000, 3).bucket;
    expect(take(empty, 0, limits).allowed).toBe(false);
  });

  it('can forget a bucket once it would be full again', () => {
    const empty = burst(undefined, 0, 3).bucket;
    expect(isFull(empty, 1_000, limits)).toBe(false);
    expect(isFull(empty, 1_500, limits)).toBe(true);
  });
});
