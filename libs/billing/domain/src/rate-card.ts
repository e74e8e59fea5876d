// The rate card and the charge for a month's egress, in integers only.
// Prices are micro-USD per GB (GB = 10^9 bytes); the free allowance is bytes.
// amount = (egress − free allowance, not below 0) × price ÷ 10^9 micro-USD,
// exact as a fraction, then rounded once to the cent, halves up.
export interface RateCard {
  readonly currency: string;
  readonly pricePerGbMicros: bigint;
  readonly freeBytes: bigint;
}

export const GB = 1_000_000_000n;

export const defaultRateCard: RateCard = { currency: 'USD', pricePerGbMicros: 90_000n, freeBytes: 100n * GB };

export interface Charge {
  readonly billableBytes: bigint;
  /** The amount in cents, rounded half up from the exact value. */
  readonly amountCents: bigint;
}

/** Rounds numerator / denominator (both ≥ 0) to the nearest integer, halves up. */
export const roundHalfUp = (numerator: bigint, denominator: bigint): bigint => (2n * numerator + denominator) / (2n * denominator);

export function chargeFor(egressBytes: bigint, card: RateCard): Charge {
  const billableBytes = egressBytes > card.freeBytes ? egressBytes - card.freeBytes : 0n;
  // micro-USD = bytes × price ÷ 10^9; cents = micro-USD ÷ 10^4.
  const amountCents = roundHalfUp(billableBytes * card.pricePerGbMicros, GB * 10_000n);
  return { billableBytes, amountCents };
}

/** An exact decimal of value / 10^scale, without trailing zeros ("0.09", "12.5", "100"). */
export function decimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Cents as money text with two decimals ("1.10"). */
export function money(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
