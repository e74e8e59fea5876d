import { describe, expect, it } from '@jest/globals';
import { StallGuard } from './stall-guard.js';

const BOUND = 2000;

describe('StallGuard', () => {
  it('given ticks on time, then answers are trusted', () => {
    const guard = new StallGuard(0, BOUND);
    for (let t = 50; t <= 1000; t += 50) expect(guard.tick(t)).toBe(false);

    expect(guard.untrustedMs(1010)).toBe(0);
  });

  it('given no tick for longer than half the bound, then answers are untrusted before the timer runs again', () => {
    const guard = new StallGuard(0, BOUND);
    guard.tick(50);

    expect(guard.untrustedMs(1000)).toBe(0);
    expect(guard.untrustedMs(1100)).toBe(1050);
  });

  it('given a tick after a stall, then answers stay untrusted until the view is confirmed', () => {
    const guard = new StallGuard(0, BOUND);
    guard.tick(50);

    expect(guard.tick(3050)).toBe(true);
    expect(guard.untrustedMs(3060)).toBeGreaterThan(0);
    expect(guard.tick(3100)).toBe(false);
    expect(guard.untrustedMs(3110)).toBeGreaterThan(0);
    guard.confirmed();
    expect(guard.untrustedMs(3120)).toBe(0);
  });
});
