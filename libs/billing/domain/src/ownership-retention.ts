// How much of the ownership timeline billing keeps, and when two holdings of
// one address may be stored as one. Both rules keep every attribution that
// can still change:
//   - A holding that ended before the start of the newest final month is
//     forgotten. Flows of that month and every later one still find every
//     holder (a holding only covers instants before its end). A flow older
//     than that is still attributed when a holding that is kept covers it (a
//     resource that still holds its address, say); when one that was
//     forgotten might have, the timeline says so (`forgotten`) and the flow is
//     parked, visible, never guessed into a class.
//   - One resource letting an address go and taking it again within the same
//     second (no whole flow second in between) is one holding: flow times are
//     whole seconds, so no flow can tell the gap from the holding.
import { periodBounds, SECOND_MS as SECOND } from './period.js';

/**
 * The instant (epoch ms) before which ended holdings are forgotten, given the
 * newest final period ('' when none is final yet: nothing is forgotten).
 */
export const historyHorizonMs = (finalThrough: string): number => (finalThrough ? periodBounds(finalThrough).startMs : Number.NEGATIVE_INFINITY);

/**
 * Whether a holding that ended at `endedMs` and one of the same resource that
 * begins at `resumedMs` cover the same flow seconds as one holding over both:
 * true when no whole second [s, s + 1 s) fits between them.
 */
export const bridgesNoSecond = (endedMs: number, resumedMs: number): boolean => Math.ceil(endedMs / SECOND) * SECOND + SECOND > resumedMs;
