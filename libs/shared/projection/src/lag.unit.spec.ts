import { describe, expect, it } from '@jest/globals';
import { LagTracker } from './lag.js';

describe('LagTracker', () => {
  it('has no lag when the head probed is applied', () => {
    const lag = new LagTracker(0, 250);
    lag.observeApplied(10n);
    lag.observeHead(10n, 100);
    expect(lag.lagMs(200)).toBe(0);
  });

  it('counts lag from the first probe that saw an event not applied yet', () => {
    const lag = new LagTracker(0, 250);
    lag.observeApplied(10n);
    lag.observeHead(12n, 100);
    lag.observeHead(15n, 350);
    expect(lag.lagMs(400)).toBe(300);
    lag.observeApplied(12n); // the first head is reached; the second is still ahead
    expect(lag.lagMs(400)).toBe(50);
    lag.observeApplied(15n);
    expect(lag.lagMs(400)).toBe(0);
  });

  it('counts the time since the last successful probe as lag once probes stop answering', () => {
    const lag = new LagTracker(0, 250);
    lag.observeHead(undefined, 1000);
    expect(lag.lagMs(1250)).toBe(0);
    expect(lag.lagMs(3250)).toBe(2000);
  });

  it('ignores a head at or below what is applied', () => {
    const lag = new LagTracker(0, 250);
    lag.observeApplied(20n);
    lag.observeHead(19n, 100);
    expect(lag.lagMs(300)).toBe(0);
  });

  it('takes the subscription’s word: behind since when it has known of events not handled', () => {
    const lag = new LagTracker(0, 250);
    lag.observeBehindSince(undefined, 100);
    expect(lag.lagMs(200)).toBe(0);
    lag.observeBehindSince(150, 300);
    expect(lag.lagMs(400)).toBe(250);
    lag.observeBehindSince(undefined, 500);
    expect(lag.lagMs(600)).toBe(0);
  });
});
