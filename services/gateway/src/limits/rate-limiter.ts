// Rate limits, per gateway instance: each API key has its own token bucket
// (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST); requests without a valid key or
// admin token share one bucket per source address (RATE_LIMIT_UNAUTHENTICATED_*),
// so a client guessing keys is slowed to that rate. The platform admin is not
// limited. Per instance, not shared: sharing a bucket through NATS KV would
// put a round trip and a contended write in front of every request; with N
// instances behind a balancer a key gets at most N times its rate.
//
// Registered as Express middleware before bodies are read, so a refused
// request costs a hash and a map lookup, not a 256 KB parse.
import { Inject, Injectable, type INestApplication, type OnModuleDestroy } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import type { NextFunction, Request, Response } from 'express';
import { AccountsService } from '../accounts/accounts.service.js';
import { isAdmin } from '../accounts/guards.js';
import { isFull, take, type Bucket, type BucketLimits } from './token-bucket.js';

/** Buckets kept at most; past it the full ones go, then the oldest (which only hands their holders a fresh burst). */
const MAX_BUCKETS = 100_000;
const SWEEP_MS = 10_000;

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number; readonly who: 'key' | 'address' };

@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly buckets = new Map<string, { bucket: Bucket; limits: BucketLimits }>();
  private readonly perKey: BucketLimits;
  private readonly perAddress: BucketLimits;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly accounts: AccountsService,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.perKey = { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst };
    this.perAddress = { perSecond: config.rateLimitUnauthenticatedPerSecond, burst: config.rateLimitUnauthenticatedBurst };
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Takes a token for the request from its key's bucket, or its address's when it has no valid key. */
  admit(request: Request, now = Date.now()): Verdict {
    const header = request.headers['x-api-key'];
    const account = typeof header === 'string' && header ? this.accounts.authenticate(header) : undefined;
    if (account) return this.take(`key:${account.keyId}`, this.perKey, now, 'key');
    if (isAdmin(request, this.config)) return { allowed: true };
    // The socket's address, never X-Forwarded-For: a header any client can write.
    return this.take(`ip:${request.socket.remoteAddress ?? 'unknown'}`, this.perAddress, now, 'address');
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private take(id: string, limits: BucketLimits, now: number, who: 'key' | 'address'): Verdict {
    const result = take(this.buckets.get(id)?.bucket, now, limits);
    this.buckets.set(id, { bucket: result.bucket, limits });
    if (this.buckets.size > MAX_BUCKETS) this.sweep(now);
    return result.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: result.retryAfterSeconds, who };
  }

  private sweep(now: number): void {
    for (const [id, { bucket, limits }] of this.buckets) if (isFull(bucket, now, limits)) this.buckets.delete(id);
    for (const id of this.buckets.keys()) {
      if (this.buckets.size <= MAX_BUCKETS) break;
      this.buckets.delete(id);
    }
  }
}

export function useRateLimits(app: INestApplication): void {
  const limiter = app.get(RateLimiter);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const verdict = limiter.admit(req);
    if (verdict.allowed) return next();
    const whose = verdict.who === 'key' ? 'this API key' : 'requests without a valid API key from this address';
    res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    res.status(429).json({ error: { code: 'rate_limited', message: `too many requests for ${whose}; retry after ${verdict.retryAfterSeconds} s` } });
  });
}
