// Whether a month's invoice is a draft or final. Final once the meter has
// recorded it closed (months-closed.ts): the grace time after its end has
// passed AND billing had metered every flow that reached the bus before then,
// so a billing service that was down over the close does not finalise a month
// whose flows it has not read yet.
import { closesAt, periodOf, previousPeriod } from './period.js';

export type InvoiceStatus = 'draft' | 'final';

/** The status of a period's invoice, given the newest month closed ('' when none). */
export const statusOf = (period: string, finalThrough: string): InvoiceStatus => (finalThrough !== '' && period <= finalThrough ? 'final' : 'draft');

/**
 * The newest period whose grace has passed by `min(now, meteredUpTo)` ('' when
 * none): the month a MonthsClosed event closes through.
 */
export function finalThrough(graceMs: number, nowMs: number, meteredUpToMs: number): string {
  const asOf = Math.min(nowMs, meteredUpToMs);
  if (asOf < Date.UTC(2000, 0, 1)) return ''; // never metered up to anything yet
  let period = periodOf(asOf);
  while (closesAt(period, graceMs) > asOf) period = previousPeriod(period);
  return period;
}
