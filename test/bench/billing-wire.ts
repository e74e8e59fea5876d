// bench/billing, from the wire: the platform as processes, a host agent
// process making the network real, and many short TCP connections per second
// from one VM — half to another VM of its network (private), half to the
// development internet (egress and ingress) — made by conn-load.cjs inside
// the VM's namespace. Measured: the connections made per second, the flow
// records the agent published per second, how long until billing's usage
// equals the kernel's own count of those connections to the byte, whether
// any record or connection was dropped, and the agent's CPU (its process and
// the `conntrack` children it waits for) per 1,000 flows.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_HOST } from '@pn/bus-access';
import { namesFor, removeEverything } from '@pn/dataplane-linux';
import { freePort } from '@pn/test-support';
import type { CtEntry } from '../../services/host-agent/src/flows/conntrack-line.js';
import { KernelCount } from '../support/destroy-log.js';
import { agentRunDir, noDataPlane, startAgentProcess, stopChild } from '../support/host-agent.js';
import { apiClient } from '../support/platform.js';
import { cpuSeconds, residentMemoryKb, startPlatformProcesses, type SecuredRun } from '../support/processes.js';

const SOURCE = join(import.meta.dirname, 'conn-load.c');
const PORT = 7000;
/**
 * The servers' ports (PORT and the ones after it), taken in turn by the client:
 * a client address holds each four-tuple for its TIME_WAIT (60 s), so its
 * 64,512 ports to one server port sustain ~1,000 connections a second (a 20-s
 * run made 1,567/s in all, its connect() searching for free ports); 16 ports
 * give room for 10,000/s sustained.
 */
const PORTS = 16;
const ours = (e: CtEntry) => e.orig.dport >= PORT && e.orig.dport < PORT + PORTS;

export interface WireResult {
  readonly skipped?: string;
  readonly connections: number;
  readonly failed: number;
  readonly connectionsPerSecond: number;
  readonly records: number;
  readonly recordsPerSecond: number;
  /** From the first connection until usage equalled the kernel's count. */
  readonly meteredSeconds: number;
  readonly peakRssMb: number;
  /** The agent's CPU with no traffic, in cores: part of cpuMsPer1000Flows, more so the shorter the run. */
  readonly idleCores: number;
  /** The longest any drop's event waited in the agent before its records were on the bus. */
  readonly longestEventWaitMs: number;
  readonly cpuMsPer1000Flows: number;
  readonly exact: boolean;
  /** Connections the kernel's table holds of the run (each one a flow), and what it dropped (conntrack -S). */
  readonly tracked: number;
  readonly kernelDrops: number;
}

const inNs = (ns: string, command: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });

/** How long the agent's CPU is measured with no traffic before the load. */
const IDLE_SECONDS = 10;

function load(binary: string, ns: string, args: string[]): { child: ChildProcess; result: Promise<{ done: number; failed: number; seconds: number }> } {
  const child = spawn('ip', ['netns', 'exec', ns, binary, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return { child, result: new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`conn-load exited with ${code}`))))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureFromTheWire(bus: SecuredRun, rate: number, seconds: number, log: (line: string) => void): Promise<WireResult> {
  const none = { connections: 0, failed: 0, connectionsPerSecond: 0, records: 0, recordsPerSecond: 0, meteredSeconds: 0, peakRssMb: 0, idleCores: 0, longestEventWaitMs: 0, cpuMsPer1000Flows: 0, exact: false, tracked: 0, kernelDrops: 0 };
  if (noDataPlane) return { ...none, skipped: noDataPlane };
  const runDir = agentRunDir();
  const binary = join(runDir, 'conn-load');
  try {
    execFileSync('cc', ['-O2', '-o', binary, SOURCE], { stdio: 'inherit' });
  } catch (error) {
    rmSync(runDir, { recursive: true, force: true });
    return { ...none, skipped: `no C compiler to build the load generator (cc -O2 ${SOURCE}): ${String(error).slice(0, 100)}` };
  }
  const platform = await startPlatformProcesses(bus.nats.url, bus.platform);
  const prefix = `b${Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, 'x')}`;
  const names = namesFor(prefix);
  const agentPort = await freePort();
  const servers: ChildProcess[] = [];
  let agent: ChildProcess | undefined;
  // The kernel's own count, following every connection it drops from before the first one: the reference must
  // not lose one the table no longer lists (replaced on a reused tuple, or gone 15 s after its close).
  let count: KernelCount | undefined;
  try {
    const api = apiClient(platform.url);
    agent = await startAgentProcess(
      {
        natsUrl: bus.nats.url,
        credentials: bus.nats.credentials['host-agent'],
        env: { EVENT_STREAM: bus.streams.EVENT_STREAM, DNS_PORT: String(platform.dnsPort), FLOWS_SUBJECT_PREFIX: bus.streams.FLOWS_SUBJECT_PREFIX },
        healthz: async () => (await api('GET', '/healthz')).body,
      },
      {
        hostId: LOCAL_HOST,
        prefix,
        runDir,
        env: {
          HOST_AGENT_PORT: String(agentPort),
          DATAPLANE_WORKLOADS: 'off',
          // BENCH_PROFILE_DIR=/tmp/prof: the agent's CPU profile too (written as it stops).
          ...(process.env.BENCH_PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` } : {}),
        },
      },
    );
    const account = await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'wire' } });
    const key = account.body.api_key as string;
    const client = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'client', image: 'ubuntu-24' } })).body;
    const server = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'server', image: 'ubuntu-24' } })).body;
    const networkId = (await api('GET', '/v1/hosting/network/topology', { key })).body.network_id as string;
    const networkNs = names.network(networkId);
    const clientNs = names.resource(client.id);
    const period = new Date().toISOString().slice(0, 7);
    const usage = async () => (await api('GET', `/v1/hosting/billing/usage?period=${period}`, { key })).body?.totals as Record<string, number | string> | undefined;
    count = new KernelCount(networkNs);
    await count.ready;
    // Every port the client may use: no four-tuple is reused within the client's own TIME_WAIT of 60 s, by then
    // the kernel's entry of it (15 s, the data plane's CONNTRACK_TIME_WAIT_SECONDS) has long gone.
    inNs(clientNs, ['sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535']);
    for (const [ns, address] of [[names.resource(server.id), server.private_ip], [names.internet, '198.51.100.10']] as const) {
      servers.push(spawn('ip', ['netns', 'exec', ns, binary, 'server', address, String(PORT), String(PORTS)], { stdio: 'ignore' }));
    }
    await sleep(500);
    // Warm-up: a connection each way, until billing has metered it (it knows the VMs).
    for (const until = Date.now() + 60_000; ; ) {
      await load(binary, clientNs, ['client', server.private_ip, String(PORT), '1', '1', '1']).result.catch(() => undefined);
      const totals = await usage();
      if (totals && BigInt(totals.private_bytes ?? 0) > 0n) break;
      if (Date.now() > until) throw new Error('billing did not meter a warm-up connection within 60 s');
      await sleep(1000);
    }
    const healthz = async () => ((await (await fetch(`http://127.0.0.1:${agentPort}/healthz`)).json()) as { flows: { published: number; last_round_ms: number; longest_event_wait_ms: number } }).flows;
    const publishedBefore = (await healthz()).published;
    // The agent's own steady work with no traffic (a read a second, the drift pass), over 10 s.
    const idleFrom = cpuSeconds(agent.pid!);
    await sleep(IDLE_SECONDS * 1000);
    const idleCores = (cpuSeconds(agent.pid!) - idleFrom) / IDLE_SECONDS;
    const cpuBefore = cpuSeconds(agent.pid!);
    // The agent's resident memory (its processes: the helpers are a few MB of it), sampled through the run.
    let peakRssMb = 0;
    const agentPid = agent.pid!;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, (residentMemoryKb(agentPid) ?? 0) / 1024)), 500).unref();

    log(`bench/billing: from the wire, ${rate.toLocaleString('en-US')} connections/s for ${seconds} s`);
    const started = performance.now();
    const runs = [server.private_ip, '198.51.100.10'].map((to) => load(binary, clientNs, ['client', to, String(PORT), String(rate / 2), String(seconds), '512', String(PORTS)]));
    const results = await Promise.all(runs.map((r) => r.result));
    const loadSeconds = (performance.now() - started) / 1000;

    // The kernel's count of the account's connections (the warm-up's too), by class as billing classes them.
    // Read again while usage catches up: a closed connection may still count a retransmitted segment.
    let seen: CtEntry[] = [];
    const kernel = () => {
      seen = count!.connections((e) => e.orig.src === client.private_ip && ours(e));
      const counted = { private_bytes: 0n, egress_bytes: 0n, ingress_bytes: 0n };
      for (const e of seen) {
        if (e.orig.dst === server.private_ip) counted.private_bytes += e.orig.bytes + e.reply.bytes;
        else {
          counted.egress_bytes += e.orig.bytes;
          counted.ingress_bytes += e.reply.bytes;
        }
      }
      return { flows: seen.length, counted };
    };
    let expected = kernel();
    let exact = false;
    let shown: Record<string, number | string> | undefined;
    let meteredSeconds = 0;
    for (let i = 0, until = Date.now() + 300_000; Date.now() < until && !exact; i++) {
      shown = await usage();
      exact = (Object.keys(expected.counted) as Array<keyof typeof expected.counted>).every((k) => BigInt(shown?.[k] ?? 0) === expected.counted[k]);
      meteredSeconds = (performance.now() - started) / 1000;
      if (exact) break;
      await sleep(250);
      if (i % 8 === 7) expected = kernel();
    }
    const cpu = cpuSeconds(agent.pid!) - cpuBefore;
    clearInterval(sampler);
    const meter = await healthz();
    const records = meter.published - publishedBefore;
    const stats = inNs(networkNs, ['conntrack', '-S']);
    const kernelDrops = [...stats.matchAll(/\b(?:insert_failed|drop|early_drop)=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    const perDestination = seen.reduce((m, e) => m.set(e.orig.dst, (m.get(e.orig.dst) ?? 0) + 1), new Map<string, number>());
    log(`bench/billing: the agent's meter: ${JSON.stringify(await healthz())}; connections made ${JSON.stringify(results)}; in the kernel's table ${JSON.stringify([...perDestination])}; DESTROY events the reference lost: ${count.lost}`);
    if (!exact) log(`bench/billing: from the wire NOT EXACT: kernel ${JSON.stringify(Object.fromEntries(Object.entries(expected.counted).map(([k, v]) => [k, String(v)])))}, usage ${JSON.stringify(shown)}`);
    const connections = results.reduce((s, r) => s + r.done, 0);
    return {
      connections,
      failed: results.reduce((s, r) => s + r.failed, 0),
      connectionsPerSecond: connections / loadSeconds,
      records,
      recordsPerSecond: records / meteredSeconds,
      meteredSeconds,
      peakRssMb,
      longestEventWaitMs: meter.longest_event_wait_ms,
      cpuMsPer1000Flows: (cpu * 1000) / (expected.flows / 1000),
      idleCores,
      exact,
      tracked: expected.flows,
      kernelDrops,
    };
  } finally {
    count?.close();
    servers.forEach((s) => s.kill());
    await stopChild(agent);
    await removeEverything(prefix);
    await platform.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}
