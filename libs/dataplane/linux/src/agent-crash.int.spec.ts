// `kill -9` of the agent while a transfer runs between two VMs: the kernel
// state stays, so the transfer goes on; the next agent attaches what was
// added meanwhile, removes what was deleted, and duplicates no rule. The
// first agent is a separate process on the built library (npm test builds
// before the suites run).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDataPlane, type DataPlane, type DataPlaneOptions } from './data-plane.js';
import { namesFor } from './names.js';
import type { DesiredHost } from './desired-state.js';
import { run, runIn } from './run.js';
import { kill, ruleCount, sleep, tearDownPlane, testPrefix, testRunDir, vm, whoAnswers, within } from './testing/packets.js';

jest.setTimeout(60_000);

const DIST = join(import.meta.dirname, '..', 'dist', 'index.js');
// The separate agent: starts a plane from argv (JSON), reconciles the desired state, says so, and waits to be killed.
const AGENT = `
const [dist, options, desired] = process.argv.slice(2);
const { startDataPlane } = await import(dist);
const plane = await startDataPlane(JSON.parse(options));
const statuses = await plane.reconcile(JSON.parse(desired));
console.log(JSON.stringify(statuses));
setInterval(() => undefined, 1 << 30);
`;

const N = { id: 'net_crash', accountId: 'acct', projectId: 'prj', cidr: '10.0.0.0/16' };
const sender = vm('vm_crash_1', N.id, '10.0.1.1');
const receiver = vm('vm_crash_2', N.id, '10.0.1.2');
const doomed = vm('vm_crash_3', N.id, '10.0.1.3');
const newcomer = vm('vm_crash_4', N.id, '10.0.1.4');
const before: DesiredHost = { networks: [N], resources: [sender, receiver, doomed] };
const after: DesiredHost = { networks: [N], resources: [sender, receiver, newcomer] };

describe.each([existsSync(DIST)])('agent killed with -9 (library built: %s)', (built) => {
  const prefix = testPrefix();
  let options: DataPlaneOptions;
  let agent: ChildProcess;
  let plane: DataPlane | undefined;

  beforeAll(async () => {
    options = { prefix, runDir: await testRunDir(), dns: { host: '127.0.0.1', port: 1 }, workloads: ['http'], driftCheckMs: 1000 };
  });

  afterAll(async () => {
    if (agent) kill(agent);
    expect(await tearDownPlane(prefix, plane, options?.runDir)).toEqual([]);
  });

  (built ? it : it.skip)('keeps a transfer going, and the next agent catches up without a duplicate rule', async () => {
    const script = join(options.runDir, 'agent.mjs');
    await writeFile(script, AGENT);
    agent = spawn(process.execPath, [script, DIST, JSON.stringify(options), JSON.stringify(before)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    agent.stdout!.on('data', (b: Buffer) => (said += b.toString()));
    await within(20_000, async () => said.includes('\n'));
    expect((JSON.parse(said) as Array<{ state: string }>).every((s) => s.state === 'attached')).toBe(true);
    const names = namesFor(prefix);
    const ns = (id: string) => names.resource(id);
    const network = names.network(N.id);
    const rules = await ruleCount(network);

    const iperfServer = spawn('ip', ['netns', 'exec', ns(receiver.id), 'iperf3', '-s', '-1', '-B', '10.0.1.2'], { stdio: 'ignore' });
    await within(3000, async () => (await runIn(ns(receiver.id), ['ss', '-Hltn', 'sport = :5201'])).trim() !== '');
    const client = runIn(ns(sender.id), ['iperf3', '-c', '10.0.1.2', '-t', '4', '-i', '1', '-J']);
    await sleep(1000);
    agent.kill('SIGKILL');
    await sleep(500);
    plane = await startDataPlane(options);
    expect((await plane.reconcile(after)).filter((s) => s.state !== 'attached')).toEqual([]);
    const report = JSON.parse(await client) as { intervals: Array<{ sum: { bytes: number } }> };
    kill(iperfServer);
    expect(report.intervals.length).toBeGreaterThanOrEqual(4);
    expect(report.intervals.every((i) => i.sum.bytes > 0)).toBe(true);
    expect(await ruleCount(network)).toBe(rules);
    await Promise.all(after.resources.map((r) => plane!.workloadReady(r.id)));
    expect(await whoAnswers(ns(sender.id), '10.0.1.4')).toBe(newcomer.id);
    expect(await whoAnswers(ns(sender.id), '10.0.1.2')).toBe(receiver.id);
    expect((await run('ip', ['netns', 'list'])).includes(ns(doomed.id))).toBe(false);
  });
});

