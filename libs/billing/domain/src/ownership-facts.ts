// When a holding fact is the same fact again. Integration events are
// republished (a rebuilt publisher checkpoint republishes everything, and
// billing replays them at every boot), and the timeline keeps no event ids:
// a fact is recognised by what it says, against the holdings of the same
// resource for that address. A holding here is [from, until), with `lastFrom`
// where the newest of the pieces merged into it began (= from when not merged).
export interface Held {
  readonly from: number;
  readonly lastFrom: number;
  readonly until: number;
}

/** A held fact (from `fromMs`) repeats this holding of its resource: it began then, or covers then. */
export const repeatsHeld = (h: Held, fromMs: number): boolean => h.from === fromMs || h.lastFrom === fromMs || (h.from <= fromMs && fromMs < h.until);

/**
 * A hold-ended fact (at `untilMs`) repeats this closed holding of its
 * resource: it ended there, or the end falls within it (the end of a piece
 * merged into it, or of its predecessor, that the merge no longer records).
 */
export const repeatsEnded = (h: Held, untilMs: number): boolean => h.until === Math.max(h.lastFrom, untilMs) || (h.from <= untilMs && untilMs <= h.until);

/**
 * An end that is not the resource's open holding's (`h`, until = +∞) even
 * though no closed holding repeats it: older than the newest merged piece (its
 * predecessor's end, seen again), or from before the horizon and before the
 * holding began (the end of a holding since forgotten).
 */
export const endsAnEarlierHolding = (h: Held, untilMs: number, horizonMs: number): boolean =>
  (untilMs < h.from && untilMs <= horizonMs) || (h.lastFrom > h.from && untilMs < h.lastFrom);

/** A held fact of an address from before its latest forgotten end: a holding already forgotten, seen again. */
export const heldBeforeForgotten = (fromMs: number, forgottenUntilMs: number | undefined): boolean => forgottenUntilMs !== undefined && fromMs < forgottenUntilMs;
