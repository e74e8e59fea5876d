import { describe, expect, it } from '@jest/globals';
import { endsAnEarlierHolding, heldBeforeForgotten, repeatsEnded, repeatsHeld } from './ownership-facts.js';

const S = 1_700_000_000_000;
const OPEN = Number.POSITIVE_INFINITY;

describe('a held fact seen again', () => {
  it('given a holding, a fact from its start, its newest piece or within it repeats it', () => {
    const h = { from: S, lastFrom: S + 600, until: S + 60_000 };
    expect(repeatsHeld(h, S)).toBe(true);
    expect(repeatsHeld(h, S + 600)).toBe(true);
    expect(repeatsHeld(h, S + 30_000)).toBe(true);
  });

  it('given a holding, a fact from its end or later is a new holding', () => {
    const h = { from: S, lastFrom: S, until: S + 60_000 };
    expect(repeatsHeld(h, S + 60_000)).toBe(false);
    expect(repeatsHeld(h, S - 1)).toBe(false);
  });

  it('given holdings forgotten up to an end, a fact from before that end is one of them', () => {
    expect(heldBeforeForgotten(S - 1, S)).toBe(true);
    expect(heldBeforeForgotten(S, S)).toBe(false);
    expect(heldBeforeForgotten(S - 1, undefined)).toBe(false);
  });
});

describe('a hold-ended fact seen again', () => {
  it('given a closed holding, its own end repeats it', () => {
    expect(repeatsEnded({ from: S, lastFrom: S, until: S + 60_000 }, S + 60_000)).toBe(true);
  });

  it('given a closed holding merged from a release and re-take, the forgotten middle end repeats it', () => {
    expect(repeatsEnded({ from: S, lastFrom: S + 600, until: S + 60_000 }, S + 100)).toBe(true);
  });

  it('given a closed holding, an end after it is not its', () => {
    expect(repeatsEnded({ from: S, lastFrom: S, until: S + 60_000 }, S + 60_001)).toBe(false);
  });

  it('given an open merged holding, an end before its newest piece is the earlier piece’s', () => {
    expect(endsAnEarlierHolding({ from: S, lastFrom: S + 600, until: OPEN }, S + 100, -Infinity)).toBe(true);
    expect(endsAnEarlierHolding({ from: S, lastFrom: S + 600, until: OPEN }, S + 700, -Infinity)).toBe(false);
  });

  it('given an open holding, an end from before it and before the horizon is a forgotten holding’s', () => {
    expect(endsAnEarlierHolding({ from: S, lastFrom: S, until: OPEN }, S - 10, S - 10)).toBe(true);
    expect(endsAnEarlierHolding({ from: S, lastFrom: S, until: OPEN }, S + 10, S + 20)).toBe(false);
  });
});
