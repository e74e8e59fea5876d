// The rules of deadlines on the bus, with no clock and no transport inside.
// A deadline is a point in time (epoch ms) after which nobody waits for the
// answer any more. The gateway sets one per HTTP request; every bus request
// carries in its Pn-Deadline header the moment its caller stops waiting, so a
// hop never works, or waits, past it.
//
// Epoch milliseconds assume clocks kept within a few ms of each other (NTP):
// a host whose clock runs ahead sees every deadline that much earlier.

export const DEADLINE_HEADER = 'Pn-Deadline';

/**
 * The longest anyone on the platform ever waits: the largest REQUEST_DEADLINE_MS
 * (and RPC_TIMEOUT_MS) config.ts accepts. A header further out than this is
 * cut down to it, so a hostile or broken caller cannot ask for more.
 */
export const MAX_DEADLINE_MS = 600_000;

/**
 * What each hop keeps for itself: it stops waiting for the hop below this long
 * before its own caller stops waiting for it, which leaves time to answer (a
 * create that gave up on dns still answers 202 with what it has, rather than
 * arriving after the gateway has said 504).
 */
export const HOP_MARGIN_MS = 100;

/**
 * The deadline a request carries, or undefined when it carries none usable.
 * Exactly one value of decimal digits only; anything else (non-numeric,
 * negative, fractional, exponent, padded, repeated) is ignored, as if absent:
 * the request then runs under the service's own timeouts, as every request did
 * before deadlines. Absurdly far (even past Number's range) is cut to
 * `now + MAX_DEADLINE_MS`.
 */
export function parseDeadline(values: readonly string[] | undefined, now: number): number | undefined {
  if (!values || values.length !== 1) return undefined;
  const raw = values[0]!;
  if (!/^[0-9]+$/.test(raw)) return undefined;
  return Math.min(Number(raw), now + MAX_DEADLINE_MS);
}

/** Nobody waits for the answer any more. */
export const isExpired = (deadline: number, now: number): boolean => now >= deadline;

/** Time left until the deadline, never negative. */
export const remainingMs = (deadline: number, now: number): number => Math.max(0, deadline - now);

/**
 * How long a call may wait: its own timeout, or less when the request it is
 * made for ends sooner (less HOP_MARGIN_MS to answer in). Zero or less: no
 * time left, do not send it.
 */
export function callTimeoutMs(ownTimeoutMs: number, deadline: number | undefined, now: number): number {
  return deadline === undefined ? ownTimeoutMs : Math.min(ownTimeoutMs, deadline - now - HOP_MARGIN_MS);
}
