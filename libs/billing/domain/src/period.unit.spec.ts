import { describe, expect, it } from '@jest/globals';
import { billedPeriodOf, closesAt, dayOf, daysOf, isPeriod, periodOf } from './period.js';
import { statusOf } from './status.js';

const H = 3_600_000;
const grace = 48 * H;

describe('periods: calendar months, UTC', () => {
  it('names the month of an instant in UTC', () => {
    expect(periodOf(Date.UTC(2026, 0, 31, 23, 59, 59))).toBe('2026-01');
    expect(periodOf(Date.UTC(2026, 1, 1))).toBe('2026-02');
    expect(periodOf(Date.UTC(2026, 11, 31, 23))).toBe('2026-12');
  });

  it('accepts YYYY-MM only', () => {
    expect(['2026-01', '2026-12'].every(isPeriod)).toBe(true);
    expect(['2026-13', '2026-1', '26-01', '2026-00', ' 2026-01'].some(isPeriod)).toBe(false);
  });

  it('a flow arriving before the close is billed on its own month', () => {
    expect(billedPeriodOf('2026-01', closesAt('2026-01', grace) - 1, grace)).toBe('2026-01');
  });

  it('a flow arriving after the close goes to the next draft invoice', () => {
    expect(billedPeriodOf('2026-01', closesAt('2026-01', grace), grace)).toBe('2026-02');
    expect(billedPeriodOf('2026-01', Date.UTC(2026, 3, 10), grace)).toBe('2026-04');
  });

  it('an invoice is final once its month (or a later one) is recorded closed', () => {
    expect(statusOf('2026-01', '')).toBe('draft');
    expect(statusOf('2026-01', '2025-12')).toBe('draft');
    expect(statusOf('2026-01', '2026-01')).toBe('final');
    expect(statusOf('2026-01', '2026-03')).toBe('final');
  });
});

describe('days of a period, UTC', () => {
  it('names the day of an instant in UTC', () => {
    expect(dayOf(Date.UTC(2026, 0, 31, 23, 59, 59))).toBe('2026-01-31');
    expect(dayOf(Date.UTC(2026, 1, 1))).toBe('2026-02-01');
  });

  it('lists every day of the month, leap years included', () => {
    expect(daysOf('2026-02')).toHaveLength(28);
    expect(daysOf('2028-02').at(-1)).toBe('2028-02-29');
    expect(daysOf('2026-12')[0]).toBe('2026-12-01');
    expect(daysOf('2026-12').at(-1)).toBe('2026-12-31');
  });
});
