// The runner's rules as pure functions, specified in rules.unit.spec.ts.

/** An event at or below the checkpoint was applied already: skipping it makes redelivery harmless. */
export const isNew = (position: bigint, checkpoint: bigint | undefined): boolean =>
  checkpoint === undefined || position > checkpoint;

export type FailureVerdict = { readonly action: 'retry'; readonly delayMs: number } | { readonly action: 'park' };

/**
 * What to do after `attempt` (1-based) failed: a passing failure is retried
 * for as long as it takes (with a capped backoff); any other is retried until
 * `maxAttempts`, then parked, so one bad event never stalls the projection.
 */
export function afterFailure(attempt: number, transient: boolean, maxAttempts: number, baseDelayMs: number): FailureVerdict {
  const delayMs = Math.min(baseDelayMs * 2 ** (attempt - 1), 5_000);
  if (transient) return { action: 'retry', delayMs };
  return attempt < maxAttempts ? { action: 'retry', delayMs } : { action: 'park' };
}

/**
 * Whether to write a checkpoint now. Writing one encodes the whole state (in
 * slices, between which events go on), so it waits at least `minIntervalMs`
 * and at least 20 times as long as the last encoding's work took: a large
 * read model spends at most ~5% of its time saving.
 */
export function checkpointDue(input: {
  readonly eventsSince: number;
  readonly msSinceLast: number;
  readonly lastEncodeMs: number;
  readonly minIntervalMs: number;
}): boolean {
  return input.eventsSince > 0 && input.msSinceLast >= Math.max(input.minIntervalMs, input.lastEncodeMs * 20);
}
