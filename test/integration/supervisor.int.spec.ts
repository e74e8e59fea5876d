// The supervisor of `npm start` (scripts/lib/supervisor.mjs) on real child
// processes: small `node -e` scripts stand in for the five services.
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RestartPolicy } from '../../scripts/lib/restart-policy.mjs';
import { Supervisor, type CrashEvent, type ReportLevel, type SpawnEvent } from '../../scripts/lib/supervisor.mjs';

const root = join(import.meta.dirname, '..', '..');
const STEADY = 'setInterval(() => {}, 1000)';
const node = (script: string): ChildProcess => spawn(process.execPath, ['-e', script], { stdio: 'ignore' });

// Small delays so the suite stays fast; the defaults are in the unit spec.
const fast: RestartPolicy = { initialDelayMs: 100, maxDelayMs: 400, resetAfterMs: 60_000, alarmCrashes: 4, alarmWindowMs: 60_000 };

const supervisors: Supervisor[] = [];
function supervise(policy: RestartPolicy = fast) {
  const lines: Array<{ line: string; level: ReportLevel }> = [];
  const supervisor = new Supervisor({ policy, report: (line, level) => lines.push({ line, level }), stopGraceMs: 2000 });
  const spawns: Array<SpawnEvent & { at: number }> = [];
  const crashes: Array<CrashEvent & { at: number }> = [];
  supervisor.on('spawn', (event) => spawns.push({ ...event, at: Date.now() }));
  supervisor.on('crash', (event) => crashes.push({ ...event, at: Date.now() }));
  supervisors.push(supervisor);
  return { supervisor, lines, spawns, crashes };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

describe('supervisor', () => {
  it('restarts a service killed with -9, and leaves the others running as they were', async () => {
    const { supervisor, lines, spawns } = supervise();
    for (const name of ['a', 'b', 'c']) supervisor.add(name, () => node(STEADY));
    const [a, b, c] = ['a', 'b', 'c'].map((name) => supervisor.pidOf(name)!);

    process.kill(b!, 'SIGKILL');
    await waitFor(() => spawns.some((s) => s.name === 'b' && s.restarts === 1));

    const restarted = supervisor.pidOf('b')!;
    expect(restarted).not.toBe(b);
    expect(isAlive(restarted)).toBe(true);
    expect([supervisor.pidOf('a'), supervisor.pidOf('c')]).toEqual([a, c]);
    expect([isAlive(a!), isAlive(c!)]).toEqual([true, true]);
    expect(lines.filter((l) => l.level === 'crash').map((l) => l.line)).toEqual([
      expect.stringMatching(/^b exited \(killed by SIGKILL\) after [\d.]+ s up; restart #1 in 0\.1 s$/),
    ]);
  });

  it('backs off a service that keeps crashing, reports every crash, and raises the alarm', async () => {
    const { supervisor, lines, spawns, crashes } = supervise();
    supervisor.add('steady', () => node(STEADY));
    const steady = supervisor.pidOf('steady');
    supervisor.add('crasher', () => node('process.exit(3)'));

    await waitFor(() => crashes.length >= 5, 15_000);

    expect(crashes.slice(0, 5).map((c) => [c.code, c.signal, c.restart, c.delayMs])).toEqual([
      [3, null, 1, 100],
      [3, null, 2, 200],
      [3, null, 3, 400],
      [3, null, 4, 400],
      [3, null, 5, 400],
    ]);
    // Each restart waited at least its delay after the crash before it.
    const restarts = spawns.filter((s) => s.name === 'crasher' && s.restarts > 0);
    for (const [i, crash] of crashes.slice(0, restarts.length).entries()) {
      expect(restarts[i]!.at - crash.at).toBeGreaterThanOrEqual(crash.delayMs - 5);
    }
    const crashLines = lines.filter((l) => l.level === 'crash').map((l) => l.line);
    expect(crashLines.slice(0, 3)).toEqual([
      expect.stringMatching(/^crasher exited \(exit code 3\) after [\d.]+ s up; restart #1 in 0\.1 s$/),
      expect.stringMatching(/restart #2 in 0\.2 s$/),
      expect.stringMatching(/restart #3 in 0\.4 s$/),
    ]);
    // Loud from the 4th crash within the window on (the policy's alarmCrashes), and it still retries.
    const alarms = lines.filter((l) => l.level === 'alarm').map((l) => l.line);
    expect(alarms[0]).toMatch(/^crasher IS CRASH-LOOPING: 4 crashes within 60 s; still restarting/);
    expect(crashes.filter((c) => c.alarm).map((c) => c.restart).slice(0, 2)).toEqual([4, 5]);
    expect(supervisor.pidOf('steady')).toBe(steady);
  });

  it('stops every service on stop(), cancels a pending restart, and restarts nothing', async () => {
    const slow: RestartPolicy = { ...fast, initialDelayMs: 300 };
    const { supervisor, spawns, crashes } = supervise(slow);
    supervisor.add('a', () => node(STEADY));
    supervisor.add('b', () => node(STEADY));
    supervisor.add('crasher', () => node('process.exit(1)'));
    const pids = [supervisor.pidOf('a')!, supervisor.pidOf('b')!];
    await waitFor(() => crashes.length === 1); // its restart is now waiting 300 ms

    await supervisor.stop();
    const spawned = spawns.length;
    await new Promise((r) => setTimeout(r, 500));

    expect(pids.map(isAlive)).toEqual([false, false]);
    expect(spawns.length).toBe(spawned);
    expect(crashes).toHaveLength(1);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s, stops every service and exits 0 without a restart', async (signal) => {
    const supervisorUrl = pathToFileURL(join(root, 'scripts', 'lib', 'supervisor.mjs')).href;
    const driver = `
      import { spawn } from 'node:child_process';
      import { Supervisor, stopOnSignals } from ${JSON.stringify(supervisorUrl)};
      const supervisor = new Supervisor({ report: (line) => console.log('report: ' + line) });
      for (const name of ['a', 'b']) {
        supervisor.add(name, () => spawn(process.execPath, ['-e', ${JSON.stringify(STEADY)}], { stdio: 'ignore' }));
      }
      stopOnSignals(supervisor, () => process.exit(0));
      console.log(JSON.stringify([supervisor.pidOf('a'), supervisor.pidOf('b')]));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', driver], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
    await waitFor(() => output.includes(']'));
    const pids = JSON.parse(output.split('\n')[0]!) as number[];
    // Let both children get going, as services would be.
    await new Promise((r) => setTimeout(r, 200));

    const sentAt = Date.now();
    child.kill(signal);

    expect(await exited).toEqual([0, null]);
    expect(Date.now() - sentAt).toBeLessThan(2000); // by SIGTERM, not after the SIGKILL grace period
    expect(pids.map(isAlive)).toEqual([false, false]);
    expect(output).not.toContain('report:');
  });
});
