import { describe, expect, it } from '@jest/globals';
import { AckLedger } from './ack-ledger.js';

const MAX_LAG_MS = 200;
const ROUND_MS = 50;
const LOAD_DEADLINE_MS = 10_000;

function ledger() {
  return new AckLedger({ maxLagMs: MAX_LAG_MS, loadDeadlineMs: LOAD_DEADLINE_MS, roundEveryMs: ROUND_MS });
}

/** Given members 1..n forked, started and listening at time 0 with the view as of the current seq. */
function withListening(l: AckLedger, n: number, now = 0) {
  for (let id = 1; id <= n; id++) {
    l.forked(id, now);
    l.started(id, l.seq);
    l.listening(id, l.seq);
  }
  return l;
}

/** Rounds every ROUND_MS from `from` to `to` (inclusive), the verdicts of each. */
function roundsBetween(l: AckLedger, from: number, to: number) {
  const verdicts = [];
  for (let t = from; t <= to; t += ROUND_MS) verdicts.push(l.round(t));
  return verdicts;
}

describe('AckLedger', () => {
  describe('settling', () => {
    it('given listening members, when one has not acknowledged a change, then the change is not settled until it does', () => {
      const l = withListening(ledger(), 2);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      expect(l.settled(seq)).toBe(false);
      l.acknowledged(2, seq);
      expect(l.settled(seq)).toBe(true);
    });

    it('given a member forked but not yet sent its start, when a change is sent, then it is settled without that member', () => {
      const l = withListening(ledger(), 1);
      l.forked(2, 0);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      expect(l.settled(seq)).toBe(true);
      expect(l.unacknowledged).toBe(0);
    });

    it('given a member sent its start but still loading, then its start seq counts as acknowledged and later changes wait for it', () => {
      const l = withListening(ledger(), 1);
      const before = l.sent(0);
      l.acknowledged(1, before);
      l.forked(2, 0);
      l.started(2, l.seq);
      expect(l.settled(before)).toBe(true);

      const after = l.sent(10);
      l.acknowledged(1, after);
      expect(l.settled(after)).toBe(false);
      l.acknowledged(2, after);
      expect(l.settled(after)).toBe(true);
    });

    it('given waiters, when the last member acknowledges or goes, then they are told true', () => {
      const l = withListening(ledger(), 2);
      const seq = l.sent(0);
      const told: boolean[] = [];
      l.wait(seq, (ok) => told.push(ok));
      l.acknowledged(1, seq);
      expect(told).toEqual([]);
      l.gone(2);
      expect(told).toEqual([true]);
      expect(l.waiting).toBe(0);
    });

    it('given a member that never got its start, when a waiter waits, then it is told true at once', () => {
      const l = ledger();
      l.forked(1, 0);
      const told: boolean[] = [];
      expect(l.wait(l.sent(0), (ok) => told.push(ok))).toBeNull();
      expect(told).toEqual([true]);
    });
  });

  describe('laggards', () => {
    it('given a listening member that leaves a change unacknowledged past the bound, then it is replaced', () => {
      const l = withListening(ledger(), 2);
      l.round(0);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      const verdicts = roundsBetween(l, ROUND_MS, MAX_LAG_MS + ROUND_MS);
      expect(verdicts.at(-1)!.laggard).toEqual({ id: 2, seq });
      expect(verdicts.slice(0, -1).every((v) => v.laggard === null)).toBe(true);
    });

    it('given several listening members behind, then one per round is replaced, the furthest behind', () => {
      const l = withListening(ledger(), 3);
      l.round(0);
      const first = l.sent(0);
      l.acknowledged(2, first);
      l.sent(0);
      const verdicts = roundsBetween(l, ROUND_MS, MAX_LAG_MS + ROUND_MS);
      const replaced = verdicts.flatMap((v) => (v.laggard ? [v.laggard.id] : []));
      expect(replaced).toEqual([1]);
    });

    it('given the primary stalled past the bound, when the late round comes, then nobody is replaced and the stall is not counted as lag', () => {
      const l = withListening(ledger(), 2);
      l.round(0);
      const seq = l.sent(10);
      // The primary is busy for 400 ms: the workers' acks wait unread.
      expect(l.round(410)).toEqual({ laggard: null, stuckLoading: [] });
      // Rounds go on as usual; the acks arrive just after the stall.
      l.acknowledged(1, seq);
      l.acknowledged(2, seq);
      expect(roundsBetween(l, 460, 1000).every((v) => v.laggard === null)).toBe(true);
    });

    it('given the primary stalled, when a member is still behind the bound after it, then it is replaced then', () => {
      const l = withListening(ledger(), 2);
      l.round(0);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      expect(l.round(400).laggard).toBeNull();
      // The change counts as sent at 0 + (400 - 50): late once past 350 + MAX_LAG_MS.
      const verdicts = roundsBetween(l, 450, 350 + MAX_LAG_MS + ROUND_MS);
      expect(verdicts.slice(0, -1).every((v) => v.laggard === null)).toBe(true);
      expect(verdicts.at(-1)!.laggard).toEqual({ id: 2, seq });
    });

    it('given a member loading, then it is not replaced for lag, only once past the load deadline', () => {
      const l = withListening(ledger(), 1);
      l.forked(2, 0);
      l.started(2, l.seq);
      l.round(0);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      const verdicts = roundsBetween(l, ROUND_MS, LOAD_DEADLINE_MS);
      expect(verdicts.every((v) => v.laggard === null && v.stuckLoading.length === 0)).toBe(true);
      expect(l.round(LOAD_DEADLINE_MS + ROUND_MS).stuckLoading).toEqual([2]);
    });

    it('given a member that never sends ready, then it is stuck loading past the deadline', () => {
      const l = ledger();
      l.forked(1, 0);
      l.round(LOAD_DEADLINE_MS - ROUND_MS);
      expect(l.round(LOAD_DEADLINE_MS).stuckLoading).toEqual([]);
      expect(l.round(LOAD_DEADLINE_MS + ROUND_MS).stuckLoading).toEqual([1]);
    });

    it('given acknowledged changes, then they are forgotten (the list does not grow)', () => {
      const l = withListening(ledger(), 2);
      l.forked(3, 0);
      for (let i = 0; i < 100; i++) {
        const seq = l.sent(i);
        l.acknowledged(1, seq);
        l.acknowledged(2, seq);
      }
      expect(l.unacknowledged).toBe(0);
    });
  });

  describe('a member that could not apply a change', () => {
    it('given one member failed, when the next round judges, then it is the laggard at once, before the lag bound, and the change stays unsettled until it goes', () => {
      const l = withListening(ledger(), 2);
      const seq = l.sent(0);
      l.acknowledged(1, seq);
      l.failed(2);
      expect(l.settled(seq)).toBe(false);
      expect(l.round(ROUND_MS).laggard).toEqual({ id: 2, seq, failed: true });
      l.gone(2);
      expect(l.settled(seq)).toBe(true);
    });

    it('given every member failed, then one is replaced per round', () => {
      const l = withListening(ledger(), 3);
      l.sent(0);
      for (const id of [1, 2, 3]) l.failed(id);
      const verdicts = roundsBetween(l, ROUND_MS, 3 * ROUND_MS).map((v) => v.laggard?.id);
      expect(verdicts).toEqual([1, 1, 1]); // the same one until it is gone: never all at once
    });
  });
});
