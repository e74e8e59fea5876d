import { describe, expect, it } from '@jest/globals';
import { bridgesNoSecond, historyHorizonMs } from './ownership-retention.js';

describe('retention horizon', () => {
  it('is the start of the newest final month: its late flows still find every holder', () => {
    expect(historyHorizonMs('2026-10')).toBe(Date.UTC(2026, 9, 1));
  });

  it('forgets nothing while no month is final', () => {
    expect(historyHorizonMs('')).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('one resource letting an address go and taking it back', () => {
  const S = 1_700_000_000_000; // a whole second
  it('within the same second: no flow second falls between, so one holding', () => {
    expect(bridgesNoSecond(S + 200, S + 900)).toBe(true);
    expect(bridgesNoSecond(S + 200, S + 1999)).toBe(true); // second S+1000 starts covered by the resumed holding
  });

  it('across a whole second: a flow in that second belonged to nobody, so two holdings', () => {
    expect(bridgesNoSecond(S + 200, S + 2000)).toBe(false);
    expect(bridgesNoSecond(S, S + 1000)).toBe(false);
  });
});
