import { describe, expect, it } from '@jest/globals';
import { closeMonthsDecider as decider, meteredUpTo, type MonthsClosed } from './months-closed.js';
import { closesAt } from './period.js';
import { statusOf } from './status.js';
import { UsageBook } from './usage-book.js';

const H = 3_600_000;
const grace = 48 * H;
const given = (...events: MonthsClosed[]) => events.reduce(decider.evolve, decider.initialState());
const when = (state: ReturnType<typeof given>, meteredUpToMs: number) => decider.decide({ type: 'CloseMonths', meteredUpToMs, graceMs: grace }, state);

describe('closing months', () => {
  it('given nothing closed, when the meter is past a month\'s close, then that month and every earlier one are final', () => {
    expect(when(given(), closesAt('2026-05', grace))).toEqual([{ type: 'MonthsClosed', finalThrough: '2026-05', meteredUpToMs: closesAt('2026-05', grace) }]);
  });

  it('given a month closed, when the meter is not past the next close, then nothing happens', () => {
    const state = given({ type: 'MonthsClosed', finalThrough: '2026-05', meteredUpToMs: closesAt('2026-05', grace) });
    expect(when(state, closesAt('2026-06', grace) - 1)).toEqual([]);
    expect(when(state, closesAt('2026-04', grace))).toEqual([]); // an instance that is behind never reopens one
  });

  it('given nothing metered yet, then nothing is final', () => {
    expect(when(given(), 0)).toEqual([]);
  });

  it('metered up to: the arrival of the oldest record not acknowledged yet, else the time the stream was seen empty', () => {
    expect(meteredUpTo(undefined, 5_000)).toBe(5_000);
    expect(meteredUpTo(3_000, 5_000)).toBe(3_000); // a record waits (in flight, naked, unread): nothing after it is known metered
    expect(meteredUpTo(7_000, 5_000)).toBe(5_000);
  });
});

describe('invoice status from the months closed', () => {
  it('is final up to the newest month closed, and stays so in a book restored from its checkpoint (a restart)', () => {
    const book = new UsageBook();
    expect(statusOf('2026-05', book.finalThrough)).toBe('draft');
    book.close('2026-05');
    book.close('2026-04'); // older news changes nothing
    const restored = UsageBook.fromJson(book.toJson());
    expect(statusOf('2026-05', restored.finalThrough)).toBe('final');
    expect(statusOf('2026-04', restored.finalThrough)).toBe('final');
    expect(statusOf('2026-06', restored.finalThrough)).toBe('draft');
  });

  it('reads a checkpoint written before months were closed by event as nothing final yet', () => {
    expect(UsageBook.fromJson([]).finalThrough).toBe('');
  });
});
