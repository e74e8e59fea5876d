// The helper the plane's commands run from: what a command reads, prints and
// exits with comes back as it would from a process of Node's own.
import { describe, expect, it } from '@jest/globals';
import { CommandRunner } from './command-runner.js';

describe('command runner', () => {
  const runner = new CommandRunner();

  it('gives a command its stdin and returns both outputs and the exit code, bytes intact', async () => {
    const input = 'línea 1\n\u0000 binary-ish \u00ff\n'.repeat(1000);
    expect(await runner.run(['cat'], input)).toEqual({ code: 0, stdout: input, stderr: '' });
    expect(await runner.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], '')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('rejects a command that cannot be run, and runs the next one (positive control)', async () => {
    await expect(runner.run(['/nonexistent/pn-no-such-tool'], '')).rejects.toThrow(/No such file/);
    expect((await runner.run(['true'], '')).code).toBe(0);
  });

  it('runs commands side by side, as run() callers overlap them', async () => {
    // Each prints when it began and when it ended: all began before any ended.
    const spans = await Promise.all(Array.from({ length: 8 }, () => runner.run(['sh', '-c', 'date +%s%N; sleep 0.3; date +%s%N'], '')));
    const [begins, ends] = [0, 1].map((i) => spans.map((s) => BigInt(s.stdout.trim().split('\n')[i]!)));
    expect(begins.reduce((a, b) => (a > b ? a : b)) < ends.reduce((a, b) => (a < b ? a : b))).toBe(true);
  });
});
