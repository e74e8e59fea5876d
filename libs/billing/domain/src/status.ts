// Whether a month's invoice is a draft or final. Final once the grace time
// after its end has passed AND billing has metered every flow that reached
// the bus before then (`meteredUpToMs`): a billing service that was down over
// the close does not finalise a month whose flows it has not read yet.
import { closesAt, periodOf, previousPeriod } from './period.js';

export type InvoiceStatus = 'draft' | 'final';

export const statusOf = (period: string, graceMs: number, nowMs: number, meteredUpToMs: number): InvoiceStatus =>
  closesAt(period, graceMs) <= Math.min(nowMs, meteredUpToMs) ? 'final' : 'draft';

/**
 * The newest period whose invoice is final by the same rule ('' when none):
 * the meter partitions forget the dedup keys of it and every earlier one.
 */
export function finalThrough(graceMs: number, nowMs: number, meteredUpToMs: number): string {
  const asOf = Math.min(nowMs, meteredUpToMs);
  if (asOf < Date.UTC(2000, 0, 1)) return ''; // never metered up to anything yet
  let period = periodOf(asOf);
  while (closesAt(period, graceMs) > asOf) period = previousPeriod(period);
  return period;
}
