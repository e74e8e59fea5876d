import { describe, expect, it } from '@jest/globals';
import { afterFailure, checkpointDue, isNew } from './rules.js';

describe('projection runner rules', () => {
  describe('given a checkpoint, when an event arrives', () => {
    it('applies an event past the checkpoint', () => expect(isNew(11n, 10n)).toBe(true));
    it('skips an event at the checkpoint (a redelivery)', () => expect(isNew(10n, 10n)).toBe(false));
    it('skips an event below the checkpoint', () => expect(isNew(3n, 10n)).toBe(false));
    it('applies everything when there is no checkpoint', () => expect(isNew(1n, undefined)).toBe(true));
  });

  describe('given an event the projection failed to apply', () => {
    it('retries it, backing off, until the last attempt', () => {
      expect(afterFailure(1, false, 3, 50)).toEqual({ action: 'retry', delayMs: 50 });
      expect(afterFailure(2, false, 3, 50)).toEqual({ action: 'retry', delayMs: 100 });
    });
    it('parks it after the last attempt', () => expect(afterFailure(3, false, 3, 50)).toEqual({ action: 'park' }));
    it('never parks a passing failure, and caps its backoff', () => {
      expect(afterFailure(1000, true, 3, 50)).toEqual({ action: 'retry', delayMs: 5000 });
    });
  });

  describe('given events applied since the last checkpoint', () => {
    const base = { eventsSince: 5, msSinceLast: 1500, lastEncodeMs: 10, minIntervalMs: 1000 };
    it('writes one once the interval has passed', () => expect(checkpointDue(base)).toBe(true));
    it('waits for the interval', () => expect(checkpointDue({ ...base, msSinceLast: 999 })).toBe(false));
    it('writes none when nothing changed', () => expect(checkpointDue({ ...base, eventsSince: 0 })).toBe(false));
    it('waits 20 times as long as encoding took, for a large state', () => {
      expect(checkpointDue({ ...base, lastEncodeMs: 100, msSinceLast: 1999 })).toBe(false);
      expect(checkpointDue({ ...base, lastEncodeMs: 100, msSinceLast: 2000 })).toBe(true);
    });
  });
});
