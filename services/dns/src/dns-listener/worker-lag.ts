// How far behind an answering worker must take its copy of the view to be:
// as far as the primary's view is behind (it says so every LAG_EVERY_MS), and
// at least as long as the primary has said nothing at all: a primary that
// hangs (blocked, stopped) still holds the IPC channel open, but no longer
// passes changes on, so the copy may be missing any since.

/** The lag to judge a lookup by, in ms (0: none); past maxLagMs the worker answers SERVFAIL. */
export function workerLagMs(now: number, behindSince: number | null, lastHeardFromPrimary: number): number {
  return Math.max(0, behindSince === null ? 0 : now - behindSince, now - lastHeardFromPrimary);
}
