// Billing periods are calendar months, UTC, named YYYY-MM.
export const SECOND_MS = 1000;
export const DAY_MS = 86_400_000;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isPeriod = (text: string): boolean => PERIOD.test(text) && Number(text.slice(0, 4)) >= 2000 && Number(text.slice(0, 4)) <= 2099;

/** The period holding an instant (epoch ms). */
export function periodOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The UTC day holding an instant (epoch ms), YYYY-MM-DD. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every day of the period, in order (YYYY-MM-DD). */
export function daysOf(period: string): string[] {
  const { startMs, endMs } = periodBounds(period);
  const days: string[] = [];
  for (let ms = startMs; ms < endMs; ms += DAY_MS) days.push(dayOf(ms));
  return days;
}

/** First instant of the period and of the next one (epoch ms): [start, end). */
export function periodBounds(period: string): { startMs: number; endMs: number } {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return { startMs: Date.UTC(y, m - 1, 1), endMs: Date.UTC(y, m, 1) };
}

export const nextPeriod = (period: string): string => periodOf(periodBounds(period).endMs);
export const previousPeriod = (period: string): string => periodOf(periodBounds(period).startMs - 1);

/** When the period's invoice becomes final: its end plus the grace time. */
export const closesAt = (period: string, graceMs: number): number => periodBounds(period).endMs + graceMs;

/**
 * The invoice a flow of `period` is billed on, given when it arrived: its own
 * month while that is still a draft, else the first later month still a
 * draft when it arrived (its adjustments line). Never a final one.
 */
export function billedPeriodOf(period: string, arrivedAtMs: number, graceMs: number): string {
  let billed = period;
  while (closesAt(billed, graceMs) <= arrivedAtMs) billed = nextPeriod(billed);
  return billed;
}
