// Which months are final, recorded. The meter says how far it has metered
// ("metered up to"): every flow record that reached the bus before that
// instant is recorded, so no message that could still come again holds a
// flow billed on an invoice that closed before it. That instant comes from
// durable facts, not from what one process saw: the bus time of the oldest
// record the flows consumer has not acknowledged yet (the work queue keeps
// exactly those), or, with none left, the time the stream was seen empty.
//
// When it passes a month's close (its end plus the grace), the month becomes
// final by an event, MonthsClosed, in the meter's history: every instance
// reads the same events, a restart reads them again, and the usage book
// folds them in order with the flows, so the totals an invoice shows as
// final are those metered before it closed. One event per month closed, so
// the history this adds is a few hundred bytes a month.
import type { Decider } from '@pn/decider';
import { finalThrough } from './status.js';

export interface CloseMonths {
  readonly type: 'CloseMonths';
  readonly meteredUpToMs: number;
  readonly graceMs: number;
}

export interface MonthsClosed {
  readonly type: 'MonthsClosed';
  /** This month and every earlier one are final. */
  readonly finalThrough: string;
  readonly meteredUpToMs: number;
}

export interface ClosedMonths {
  readonly finalThrough: string;
}

/** Metered up to (epoch ms): the oldest unacknowledged record's bus time, or when the stream was asked and held none. */
export const meteredUpTo = (oldestUnackedMs: number | undefined, askedMs: number): number => Math.min(oldestUnackedMs ?? askedMs, askedMs);

export const closeMonthsDecider: Decider<CloseMonths, MonthsClosed, ClosedMonths> = {
  decide: (command, state) => {
    const final = finalThrough(command.graceMs, command.meteredUpToMs, command.meteredUpToMs);
    return final > state.finalThrough ? [{ type: 'MonthsClosed', finalThrough: final, meteredUpToMs: command.meteredUpToMs }] : [];
  },
  evolve: (state, event) => (event.finalThrough > state.finalThrough ? { finalThrough: event.finalThrough } : state),
  initialState: () => ({ finalThrough: '' }),
};
