// bench/dataplane, create → reachable by name, through the whole platform:
// the services as processes, a host agent process, a client VM, and for each
// of `creates` new VMs the time from `POST /v1/hosting/vms` until the client
// VM has resolved the new VM's bare name through its network's resolver (glibc,
// as a program in a VM would) and the new VM's kernel has answered a TCP
// connect (a reset from a port nobody listens on proves the path as well as
// an accept). The client side is one long-lived process in the client VM's
// namespace, told each name on its stdin, so no process start is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LOCAL_HOST } from '@pn/bus-access';
import { namesFor, removeEverything } from '@pn/dataplane-linux';
import { agentRunDir, noDataPlane, startAgentProcess, stopChild } from '../support/host-agent.js';
import { apiClient } from '../support/platform.js';
import { startPlatformProcesses, startSecuredRun } from '../support/processes.js';
import { quantile } from './stats.js';

const PROBER = `
const dns = require('node:dns'), net = require('node:net');
const reachable = (address) => new Promise((resolve) => {
  const s = net.connect({ host: address, port: 9 });
  const done = (ok) => { s.destroy(); clearTimeout(t); resolve(ok); };
  const t = setTimeout(() => done(false), 50);
  s.once('connect', () => done(true));
  s.once('error', (e) => done(e.code === 'ECONNREFUSED'));
});
require('node:readline').createInterface({ input: process.stdin }).on('line', async (name) => {
  const started = performance.now();
  for (;;) {
    const address = await new Promise((r) => dns.lookup(name, { family: 4 }, (e, a) => r(e ? undefined : a)));
    if (address && (await reachable(address))) return console.log(JSON.stringify({ name, address, ms: performance.now() - started }));
    await new Promise((r) => setTimeout(r, 2));
  }
});
console.log('ready');
`;

export interface ByNameResult {
  readonly skipped?: string;
  /** The create's answer alone (it waits for dns and the agent), and create → reachable by name, in ms. */
  readonly create: { p50: number; p99: number };
  readonly reachable: { p50: number; p99: number };
  /** Of the time after the create answered: resolving the name and the connect. */
  readonly after: { p50: number; p99: number };
}

const quantiles = (values: number[]) => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99) });

export async function measureCreateByName(creates: number, log: (line: string) => void): Promise<ByNameResult> {
  const zero = { p50: 0, p99: 0 };
  if (noDataPlane) return { skipped: noDataPlane, create: zero, reachable: zero, after: zero };
  // The dns service and the agent's resolvers share the forwarder secret, as `npm start` arranges.
  process.env.DNS_FORWARDER_SECRET ??= randomBytes(16).toString('hex');
  const bus = await startSecuredRun('dp');
  const platform = await startPlatformProcesses(bus.nats.url, bus.platform);
  const prefix = `d${Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, 'x')}`;
  const runDir = agentRunDir();
  const api = apiClient(platform.url);
  let agent: ChildProcess | undefined;
  let prober: ChildProcess | undefined;
  try {
    agent = await startAgentProcess(
      {
        natsUrl: bus.nats.url,
        credentials: bus.nats.credentials['host-agent'],
        env: { EVENT_STREAM: bus.streams.EVENT_STREAM, DNS_PORT: String(platform.dnsPort), FLOWS_SUBJECT_PREFIX: bus.streams.FLOWS_SUBJECT_PREFIX },
        healthz: async () => (await api('GET', '/healthz')).body,
      },
      { hostId: LOCAL_HOST, prefix, runDir, env: { DATAPLANE_WORKLOADS: 'off' } },
    );
    const key = (await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'by-name' } })).body.api_key as string;
    const client = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'client', image: 'ubuntu-24' } })).body;
    if (client.data_plane?.state !== 'attached') throw new Error(`the client VM is not attached: ${JSON.stringify(client.data_plane)}`);
    writeFileSync(join(runDir, 'prober.cjs'), PROBER);
    prober = spawn('ip', ['netns', 'exec', namesFor(prefix).resource(client.id), process.execPath, join(runDir, 'prober.cjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: prober.stdout! })[Symbol.asyncIterator]();
    if ((await lines.next()).value !== 'ready') throw new Error('the prober did not start');

    const create: number[] = [];
    const reachable: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < creates; i++) {
      const name = `target-${i}`;
      const started = performance.now();
      const made = await api('POST', '/v1/hosting/vms', { key, body: { name, image: 'ubuntu-24' } });
      const answered = performance.now();
      if (made.status !== 201 || made.body.data_plane?.state !== 'attached') throw new Error(`create ${i} answered ${made.status} ${JSON.stringify(made.body.data_plane ?? made.body)}`);
      prober.stdin!.write(`${name}\n`);
      const line = await Promise.race([lines.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} not reachable by name within 10 s`)), 10_000))]);
      const probe = JSON.parse(line.value as string) as { address: string; ms: number };
      if (probe.address !== made.body.private_ip) throw new Error(`${name} resolved to ${probe.address}, not ${made.body.private_ip}`);
      create.push(answered - started);
      after.push(probe.ms);
      reachable.push(performance.now() - started);
      // With LOG_LEVEL=log the agent's passes are printed too: a slow create is found beside what ran then.
      if (process.env.BENCH_TRACE) log(`create ${i}: began ${new Date(performance.timeOrigin + started).toISOString()}, answered in ${(answered - started).toFixed(0)} ms, reachable in ${reachable.at(-1)!.toFixed(0)} ms`);
    }
    log(`bench/dataplane: ${creates} creates by name: create answered ${JSON.stringify(quantiles(create))} ms, then resolve + connect ${JSON.stringify(quantiles(after))} ms`);
    return { create: quantiles(create), reachable: quantiles(reachable), after: quantiles(after) };
  } finally {
    prober?.kill();
    await stopChild(agent);
    await removeEverything(prefix);
    await platform.stop();
    await bus.nats.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}
