// Whether a month's invoice is a draft or final. Final once the grace time
// after its end has passed AND billing has metered every flow that reached
// the bus before then (`meteredUpToMs`): a billing service that was down over
// the close does not finalise a month whose flows it has not read yet.
import { closesAt } from './period.js';

export type InvoiceStatus = 'draft' | 'final';

export const statusOf = (period: string, graceMs: number, nowMs: number, meteredUpToMs: number): InvoiceStatus =>
  closesAt(period, graceMs) <= Math.min(nowMs, meteredUpToMs) ? 'final' : 'draft';
