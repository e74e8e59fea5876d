// The restart policy of `npm start`'s supervisor (scripts/lib/restart-policy.mjs).
import { describe, expect, it } from '@jest/globals';
import {
  afterCrash,
  crashReport,
  DEFAULT_RESTART_POLICY,
  describeExit,
  initialRestartState,
  type RestartDecision,
  type RestartPolicy,
} from '../../scripts/lib/restart-policy.mjs';

/** Crashes after `uptimes[i]` ms each, restarted after the delay the policy chose; returns every decision. */
function crashSeries(uptimes: number[], policy: RestartPolicy = DEFAULT_RESTART_POLICY, startAt = 0): RestartDecision[] {
  let state = initialRestartState();
  let now = startAt;
  const out: RestartDecision[] = [];
  for (const uptime of uptimes) {
    const startedAt = now;
    now += uptime;
    const decision = afterCrash(state, { startedAt, exitedAt: now }, policy);
    out.push(decision);
    state = decision.state;
    now += decision.delayMs;
  }
  return out;
}

describe('restart policy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, resetAfterMs: 60_000, alarmCrashes: 5, alarmWindowMs: 60_000 });
  });

  it('doubles the delay from 0.5 s on every quick crash, up to 30 s', () => {
    const delays = crashSeries(Array(10).fill(100)).map((d) => d.delayMs);

    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it('counts restarts', () => {
    expect(crashSeries([100, 100, 100]).map((d) => d.restart)).toEqual([1, 2, 3]);
  });

  it('starts over from 0.5 s once a run stayed up 60 s', () => {
    const delays = crashSeries([100, 100, 100, 60_000, 100, 59_999]).map((d) => d.delayMs);

    expect(delays).toEqual([500, 1000, 2000, 500, 1000, 2000]);
  });

  it('never overflows, however long the crash loop', () => {
    const decisions = crashSeries(Array(2000).fill(0));

    expect(decisions.at(-1)!.delayMs).toBe(30_000);
  });

  it('raises the alarm at the 5th crash within a minute, and keeps restarting', () => {
    const decisions = crashSeries(Array(7).fill(100));

    expect(decisions.map((d) => d.alarm)).toEqual([false, false, false, false, true, true, true]);
    expect(decisions.map((d) => d.crashesInWindow)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(decisions.every((d) => d.delayMs > 0)).toBe(true);
  });

  it('forgets crashes older than the window', () => {
    // Up 20 s each: crashes 20.5 s+ apart, so at most three fall within any minute.
    const decisions = crashSeries(Array(8).fill(20_000));

    expect(decisions.some((d) => d.alarm)).toBe(false);
    expect(Math.max(...decisions.map((d) => d.crashesInWindow))).toBeLessThanOrEqual(3);
  });

  it('does not change the state it is given', () => {
    const state = initialRestartState();
    afterCrash(state, { startedAt: 0, exitedAt: 10 });

    expect(state).toEqual({ restarts: 0, streak: 0, recentCrashes: [] });
  });
});

describe('crash report', () => {
  it('names the exit, the restart number and the next delay on one line', () => {
    const [decision] = crashSeries([1234]);

    expect(crashReport('dns', { code: null, signal: 'SIGKILL', uptimeMs: 1234 }, decision!)).toEqual([
      'dns exited (killed by SIGKILL) after 1.2 s up; restart #1 in 0.5 s',
    ]);
  });

  it('adds a loud line in a crash loop', () => {
    const decisions = crashSeries(Array(5).fill(100));

    const lines = crashReport('ipam', { code: 1, signal: null, uptimeMs: 100 }, decisions[4]!);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('ipam exited (exit code 1) after 0.1 s up; restart #5 in 8 s');
    expect(lines[1]).toMatch(/^ipam IS CRASH-LOOPING: 5 crashes within 60 s; still restarting \(next in 8 s/);
  });

  it('describes exits by code or by signal', () => {
    expect(describeExit(0, null)).toBe('exit code 0');
    expect(describeExit(null, 'SIGSEGV')).toBe('killed by SIGSEGV');
  });
});
