import { describe, expect, it } from '@jest/globals';
import { chargeFor, decimal, defaultRateCard, GB, money, roundHalfUp } from './rate-card.js';

describe('rate card (integers only)', () => {
  it('given egress within the free allowance, then nothing is billed', () => {
    expect(chargeFor(100n * GB, defaultRateCard)).toEqual({ billableBytes: 0n, amountCents: 0n });
  });

  it('given 150 GB at 0.09 USD/GB after 100 GB, then 50 GB billed, 4.50 USD', () => {
    expect(chargeFor(150n * GB, defaultRateCard)).toEqual({ billableBytes: 50n * GB, amountCents: 450n });
  });

  it('given a byte count whose price ends in half a cent or more, then it rounds up; below, down', () => {
    const card = { ...defaultRateCard, freeBytes: 0n };
    // 55_555_556 bytes × 0.09 = 0.005 000 000 04 USD → 1 cent; 55_555_555 bytes → 0.00499999995 → 0 cents.
    expect(chargeFor(55_555_556n, card).amountCents).toBe(1n);
    expect(chargeFor(55_555_555n, card).amountCents).toBe(0n);
    expect(roundHalfUp(5n, 10n)).toBe(1n);
    expect(roundHalfUp(4n, 10n)).toBe(0n);
  });

  it('is exact far beyond 2^53 bytes', () => {
    expect(chargeFor(10n ** 21n + 100n * GB, defaultRateCard).amountCents).toBe(9_000_000_000_000n);
  });

  it('writes exact decimals and money', () => {
    expect(decimal(90_000n, 6)).toBe('0.09');
    expect(decimal(123_000_000_001n, 9)).toBe('123.000000001');
    expect(decimal(0n, 9)).toBe('0');
    expect(money(5n)).toBe('0.05');
    expect(money(12345n)).toBe('123.45');
  });
});
