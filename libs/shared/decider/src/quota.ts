// Quotas: how many of a thing an owner may hold, from configuration. One rule
// for all of them, so every refusal reads the same: 429 `quota_exceeded`,
// naming the limit and its value, `field` naming the quota.
//
// Deciders take the count in the command (`used`, like `now`): what counts is
// the service's business (a read model, in-flight creates), whether one more
// fits is the domain's.
import { DomainError } from './decider.js';

export interface Quota {
  /** Plural of what is counted: "projects". */
  readonly what: string;
  /** Whose: "per account". */
  readonly per: string;
  /** The error's `field`: which quota it is. */
  readonly field: string;
  /** Said after the limit, e.g. what does not count or how to free a slot. */
  readonly note?: string;
}

export interface QuotaUse {
  /** The most there may be (from configuration). */
  readonly limit: number;
  /** How many there are before this one. */
  readonly used: number;
}

/** Refuses `adding` more when they would take `used` past `limit`. */
export function checkQuota(quota: Quota, use: QuotaUse, adding = 1): void {
  if (use.used + adding <= use.limit) return;
  const note = quota.note ? `; ${quota.note}` : '';
  throw new DomainError('quota_exceeded', `quota exceeded: at most ${use.limit} ${quota.what} ${quota.per}${note}`, {
    field: quota.field,
    limit: use.limit,
  });
}
