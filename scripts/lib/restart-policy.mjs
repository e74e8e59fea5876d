// When to restart a service that exited on its own, and what to say about it.
// Pure (no processes, no clock): the supervisor passes in the times, so the
// policy is unit-tested without waiting (test/support/restart-policy.unit.spec.ts).

/**
 * Backoff from 0.5 s doubling to 30 s; a run that stayed up 60 s counts as
 * healthy and starts the doubling over. 5 crashes within a minute is a crash
 * loop worth shouting about (we still retry: the cause may be outside, e.g.
 * NATS down, and go away by itself).
 */
export const DEFAULT_RESTART_POLICY = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  alarmCrashes: 5,
  alarmWindowMs: 60_000,
});

export const initialRestartState = () => Object.freeze({ restarts: 0, streak: 0, recentCrashes: Object.freeze([]) });

/**
 * What follows an exit nobody asked for. `startedAt`/`exitedAt` are the
 * times (ms) of the run that just ended.
 */
export function afterCrash(state, { startedAt, exitedAt }, policy = DEFAULT_RESTART_POLICY) {
  const streak = exitedAt - startedAt >= policy.resetAfterMs ? 0 : state.streak;
  // Capped exponent: 2 ** 1000 is Infinity, and the cap is reached long before.
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(streak, 30));
  const recentCrashes = Object.freeze([...state.recentCrashes.filter((t) => t > exitedAt - policy.alarmWindowMs), exitedAt]);
  const restarts = state.restarts + 1;
  return {
    state: Object.freeze({ restarts, streak: streak + 1, recentCrashes }),
    delayMs,
    restart: restarts,
    crashesInWindow: recentCrashes.length,
    alarm: recentCrashes.length >= policy.alarmCrashes,
  };
}

const seconds = (ms) => `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;

export const describeExit = (code, signal) => (signal ? `killed by ${signal}` : `exit code ${code}`);

/** The lines to print for one crash: always one, plus a loud one in a crash loop. */
export function crashReport(name, { code, signal, uptimeMs }, decision, policy = DEFAULT_RESTART_POLICY) {
  const lines = [
    `${name} exited (${describeExit(code, signal)}) after ${seconds(uptimeMs)} up; restart #${decision.restart} in ${seconds(decision.delayMs)}`,
  ];
  if (decision.alarm) {
    lines.push(
      `${name} IS CRASH-LOOPING: ${decision.crashesInWindow} crashes within ${seconds(policy.alarmWindowMs)}; ` +
        `still restarting (next in ${seconds(decision.delayMs)}, at most every ${seconds(policy.maxDelayMs)}); see its output above`,
    );
  }
  return lines;
}
