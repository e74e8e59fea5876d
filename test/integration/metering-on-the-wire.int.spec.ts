// Egress billed from the bytes on the wire: the host agent reads each
// network's connection table (conntrack accounting) and publishes flow
// records; billing meters them. Every figure here is compared with the
// kernel's own count of the same connections, read in the network's
// namespace by the test. The agent runs as its own process (it is killed
// with -9 below) and reports a lasting connection every 2 s rather than the
// default 60, so that "three report intervals" fit in a test. Billing runs as
// its own process and NATS as a server the suite restarts, so that both can
// fail in the middle of transfers.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { flowsHostSubject, LOCAL_HOST } from '@pn/bus-access';
import { OTHER_HOST, roleConnectOptions } from '@pn/test-support';
import { parseConntrackLine, parseConntrackXml, type CtEntry } from '../../services/host-agent/src/flows/conntrack-line.js';
import { startBillingProcess } from '../support/billing-process.js';
import { DestroyLog, KernelCount } from '../support/destroy-log.js';
import { noDataPlane, stopChild, useAgentProcess } from '../support/host-agent.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('metering-on-the-wire suite', { without: ['billing'], restartableNats: true, env: { DNS_FORWARDER_SECRET: 'metering-suite-secret' } });
const api: typeof ctx.api = (...args) => ctx.api(...args);
const maybe = noDataPlane ? it.skip : it;
if (noDataPlane) console.log(`metering-on-the-wire suite: skipped — ${noDataPlane}`);

const agent = useAgentProcess(ctx, { FLOW_REPORT_INTERVAL_SECONDS: '2' });
const { names } = agent;
let billing: ChildProcess | undefined;
beforeAll(() => {
  if (!noDataPlane) billing = startBillingProcess(ctx);
});
ctx.beforeStop(() => stopChild(billing));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inNs = (ns: string, command: string[], timeout = 60_000) => execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'ignore'] });
const period = () => new Date().toISOString().slice(0, 7);
const table = (networkId: string): CtEntry[] =>
  inNs(names.network(networkId), ['conntrack', '-L', '-o', 'extended,id']).split('\n').flatMap((l) => parseConntrackLine(l) ?? []);

async function usage(key: string) {
  let answer = await api('GET', `/v1/hosting/billing/usage?period=${period()}`, { key });
  // Billing just restarted, or the bus is coming back: 503 until it answers again.
  for (let i = 0; i < 120 && answer.status === 503; i++) {
    await sleep(250);
    answer = await api('GET', `/v1/hosting/billing/usage?period=${period()}`, { key });
  }
  const { status, body } = answer;
  expect(status).toBe(200);
  const n = (v: number | string) => BigInt(v);
  return { private: n(body.totals.private_bytes), egress: n(body.totals.egress_bytes), ingress: n(body.totals.ingress_bytes), hints: body.hints as Array<Record<string, unknown>> };
}

/** Waits until `check` holds of the account's usage (billing meters within a few seconds of a record), or returns the last usage. */
async function usageWhen(key: string, check: (u: Awaited<ReturnType<typeof usage>>) => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  let last = await usage(key);
  while (!check(last) && Date.now() < until) {
    await sleep(250);
    last = await usage(key);
  }
  return last;
}

async function vm(key: string, body: Record<string, unknown>) {
  const { status, body: created } = await api('POST', '/v1/hosting/vms', { key, body });
  expect(status).toBe(201);
  return created;
}

/** A new account's VM `worker` (the agent running), and the kernel's count of its connections to the internet host. */
async function workerOfNewAccount(account: string) {
  if (!agent.process) await agent.start();
  const key = await ctx.newKey(account);
  const created = await vm(key, { name: 'worker', image: 'ubuntu-24' });
  const networkId = (await api('GET', '/v1/hosting/network/topology', { key })).body.network_id as string;
  const toInternet = () => table(networkId).filter((e) => e.orig.src === created.private_ip && e.orig.dst === '198.51.100.10');
  const wireBytes = () => toInternet().reduce((sum, e) => sum + e.orig.bytes + e.reply.bytes, 0n);
  /** The same once every such connection has closed (TIME_WAIT or CLOSE): a program's exit may come before its FIN and last ACKs. */
  const closedWireBytes = async () => {
    for (let i = 0; i < 50 && !toInternet().every((e) => e.state === 'TIME_WAIT' || e.state === 'CLOSE'); i++) await sleep(100);
    return wireBytes();
  };
  return { key, worker: { ...created, networkId }, wireBytes, closedWireBytes };
}

/** Usage, once metered, bills exactly what the kernel counted for these connections: egress out, ingress back. */
async function expectBilledAsCounted(key: string, connections: readonly CtEntry[]) {
  const egress = connections.reduce((sum, c) => sum + c.orig.bytes, 0n);
  const ingress = connections.reduce((sum, c) => sum + c.reply.bytes, 0n);
  const settled = await usageWhen(key, (u) => u.egress === egress && u.ingress === ingress);
  expect({ egress: settled.egress, ingress: settled.ingress }).toEqual({ egress, ingress });
  return { egress, ingress };
}

describe('egress metered from the wire', () => {
  maybe('bills what crossed to the internet to the byte, both ways, private and hairpin traffic as the rules say, a lasting connection before it ends, and nothing lost or doubled across a kill -9 of the agent', async () => {
    await agent.start();
    const key = await ctx.newKey('metered');
    const web = await vm(key, { name: 'web', image: 'ubuntu-24' });
    const worker = await vm(key, { name: 'worker', image: 'ubuntu-24' });
    const opened = await api('POST', `/v1/hosting/vms/${web.id}/ports`, { key, body: { port: 8080, protocol: 'tcp' } });
    expect(opened.status).toBe(200);
    const webPublic = opened.body.public_ip as string;
    const { body: topology } = await api('GET', '/v1/hosting/network/topology', { key });
    const networkId = topology.network_id as string;
    // The kernel keeps a closed connection 15 s: the count at the end needs what it dropped meanwhile too.
    const count = new KernelCount(names.network(networkId));
    ctx.beforeStop(async () => count.close()); // should the test end early: its listener keeps the namespace alive
    await count.ready;
    // The account's connections, not the platform's own (its resolver and gateway, 10.0.0.1-2).
    const mine = (e: CtEntry) =>
      !['10.0.0.1', '10.0.0.2'].includes(e.orig.dst) && ([web.private_ip, worker.private_ip].includes(e.orig.src) || [web.private_ip, worker.private_ip].includes(e.reply.src));

    // 1. worker downloads 1 MB from the internet host; the internet downloads 2 MB from web's open port (a response: billed).
    inNs(names.resource(worker.id), ['curl', '-s', '-o', '/dev/null', 'http://198.51.100.10/bytes/1000000']);
    const server = spawn('ip', ['netns', 'exec', names.resource(web.id), 'socat', 'TCP-LISTEN:8080,reuseaddr,fork', 'SYSTEM:head -c 2000000 /dev/zero'], { stdio: 'ignore' });
    await sleep(300);
    inNs(names.internet, ['bash', '-c', `exec 3<>/dev/tcp/${webPublic}/8080; cat <&3 >/dev/null`]);
    // The kernel's count of those connections (closed, in TIME_WAIT: final).
    const kernel = table(networkId).filter(mine);
    const egressOnWire = kernel.reduce((sum, e) => sum + ([web.private_ip, worker.private_ip].includes(e.orig.src) ? e.orig.bytes : e.reply.bytes), 0n);
    const ingressOnWire = kernel.reduce((sum, e) => sum + ([web.private_ip, worker.private_ip].includes(e.orig.src) ? e.reply.bytes : e.orig.bytes), 0n);
    const first = await usageWhen(key, (u) => u.egress === egressOnWire && u.ingress === ingressOnWire);
    expect({ egress: first.egress, ingress: first.ingress }).toEqual({ egress: egressOnWire, ingress: ingressOnWire });
    // And what the kernel counted is the payload plus its headers: within a few percent of it.
    expect(Number(first.egress)).toBeGreaterThanOrEqual(2_000_000);
    expect(Number(first.egress)).toBeLessThan(2_000_000 * 1.05);
    expect(Number(first.ingress)).toBeGreaterThanOrEqual(1_000_000);
    expect(Number(first.ingress)).toBeLessThan(1_000_000 * 1.05);

    // 2. 100 MB from worker to web over the private network: private, free.
    const sink = spawn('ip', ['netns', 'exec', names.resource(web.id), 'socat', '-u', 'TCP-LISTEN:9000,reuseaddr', 'SYSTEM:cat >/dev/null'], { stdio: 'ignore' });
    await sleep(300);
    inNs(names.resource(worker.id), ['bash', '-c', `head -c 100000000 /dev/zero > /dev/tcp/${web.private_ip}/9000`]);
    const second = await usageWhen(key, (u) => u.private >= 100_000_000n);
    expect(second.private).toBeGreaterThanOrEqual(100_000_000n);
    expect(second.egress).toBe(first.egress);

    // 3. Hairpin: worker reaches web through web's public address: billed, with the hint naming web's private hostname.
    inNs(names.resource(worker.id), ['bash', '-c', `exec 3<>/dev/tcp/${webPublic}/8080; cat <&3 >/dev/null`]);
    const third = await usageWhen(key, (u) => u.hints.length > 0);
    expect(third.hints).toEqual([expect.objectContaining({ resource_id: worker.id, target_resource_id: web.id, private_hostname: 'web.vm.internal' })]);
    expect(third.egress).toBeGreaterThan(second.egress);

    // 4. A connection that lasts: reported while it runs (every 2 s here), exact when it ends; the agent is killed with -9 halfway.
    const before = await usage(key);
    // 30 MB at 5 MB/s: six seconds, three report intervals.
    const slow = spawn('ip', ['netns', 'exec', names.resource(worker.id), 'curl', '-s', '-o', '/dev/null', '--limit-rate', '5M', 'http://198.51.100.10/bytes/30000000'], { stdio: 'ignore' });
    const slowDone = new Promise((r) => slow.once('exit', r));
    // In usage while it still runs: a megabyte more within the first report intervals.
    const during = await usageWhen(key, (u) => u.ingress > before.ingress + 1_000_000n, 8000);
    expect(slow.exitCode).toBeNull();
    expect(during.ingress).toBeGreaterThan(before.ingress + 1_000_000n);
    await agent.stop('SIGKILL');
    await sleep(1500);
    await agent.start();
    await slowDone;
    server.kill();
    sink.kill();
    // Everything the kernel counted for this account's connections, each byte once, whatever the agent went through.
    const all = count.connections(mine);
    count.close();
    const wire = all.reduce((s, e) => s + e.orig.bytes + e.reply.bytes, 0n);
    const settled = await usageWhen(key, (u) => u.private + u.egress + u.ingress === wire, 30_000);
    // On a mismatch, what each side counted (the kernel per connection, billing per class).
    if (settled.private + settled.egress + settled.ingress !== wire) {
      const raw = (await api('GET', `/v1/hosting/billing/usage?period=${period()}`, { key })).body;
      process.stderr.write(`TOTALS ${JSON.stringify(raw.totals)} agent exit ${agent.process?.exitCode} ${agent.process?.signalCode}\n`);
      for (const e of all) process.stderr.write(`CT ${e.id} ${e.state} ${e.orig.src}:${e.orig.sport}>${e.orig.dst}:${e.orig.dport} o=${e.orig.bytes} r=${e.reply.bytes} rsrc=${e.reply.src}\n`);
    }
    expect(settled.private + settled.egress + settled.ingress).toBe(wire);
  }, 240_000);

  maybe('bills every connection on a reused tuple, each of which the kernel may give the same id and the same counts', async () => {
    const { key, worker } = await workerOfNewAccount('reused');
    // One source port for the VM: each call reuses the tuple of the one before, still in TIME_WAIT.
    inNs(names.resource(worker.id), ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40000', 'net.ipv4.tcp_tw_reuse=1']);
    const calls: CtEntry[] = [];
    for (let i = 0; i < 3; i++) {
      inNs(names.resource(worker.id), ['curl', '-s', '-o', '/dev/null', 'http://198.51.100.10/bytes/1000']);
      // The call, closed (TIME_WAIT: final), as the kernel counted it; the next call replaces it in the table.
      // (The last ACK of the close may follow curl's exit by a moment.)
      const closed = () => table(worker.networkId).find((e) => e.orig.src === worker.private_ip && e.orig.sport === 40000 && e.orig.dst === '198.51.100.10' && e.state === 'TIME_WAIT');
      let entry = closed();
      for (let tries = 0; !entry && tries < 20; tries++) entry = (await sleep(100), closed());
      expect(entry?.state).toBe('TIME_WAIT');
      calls.push(entry!);
      await sleep(2500); // the agent reads the table at least once in between (every second), and the next call may reuse the port
    }
    console.log(`metering-on-the-wire suite: the kernel ids of three calls on one tuple: ${calls.map((c) => c.id).join(', ')}`);
    await expectBilledAsCounted(key, calls);
  }, 120_000);

  maybe("bills a host's records only for its own networks: another host's agent (a stolen credential) can neither bill this network nor take its host's flow ids", async () => {
    const { key, worker } = await workerOfNewAccount('forged');
    // The positive control: real traffic, billed as the kernel counted it.
    inNs(names.resource(worker.id), ['curl', '-s', '-o', '/dev/null', 'http://198.51.100.10/bytes/1000']);
    const mine = () => table(worker.networkId).filter((e) => e.orig.src === worker.private_ip && e.orig.dst === '198.51.100.10');
    const billed = await expectBilledAsCounted(key, mine());
    // The attack: host `other` publishes records of this network (placed on host `local`), one under its own flow ids, one under local's.
    const nc = await natsConnect(roleConnectOptions([ctx.nats.url], ctx.nats.hosts[OTHER_HOST]!));
    const now = Math.floor(Date.now() / 1000);
    const forged = (flowId: string) => ({ flow_id: flowId, network_id: worker.networkId, src_ip: worker.private_ip, src_port: 40001, dst_ip: '198.51.100.10', dst_port: 80, protocol: 6, bytes: '1000000000', packets: '1', start: now, end: now });
    await jetstream(nc).publish(flowsHostSubject(ctx.platform.config.flowsSubjectPrefix, OTHER_HOST), JSON.stringify([forged(`${OTHER_HOST}:forged:1:o`), forged(`${LOCAL_HOST}:forged:1:o`)]));
    await nc.close();
    let rejected: { parked_count: number; parked: Array<{ reason: string }> } = { parked_count: 0, parked: [] };
    for (let i = 0; i < 100 && rejected.parked_count < 2; i++, await sleep(100)) rejected = (await api('GET', `/v1/hosting/billing/rejected?period=${period()}`, { key })).body;
    expect(rejected.parked.map((p) => p.reason).sort()).toEqual([`its flow id is not one of host ${OTHER_HOST}, which published it`, `its network is placed on host ${LOCAL_HOST}, not on host ${OTHER_HOST}, which published it`]);
    const after = await usage(key);
    expect({ egress: after.egress, ingress: after.ingress }).toEqual(billed);
  }, 120_000);

  maybe('bills connections on one tuple that replace each other within milliseconds, which no reading of the table sees', async () => {
    const { key, worker } = await workerOfNewAccount('replaced');
    const ns = names.network(worker.networkId);
    // The test's own count of what the kernel drops in the network's namespace, the agent's aside.
    const listener = new DestroyLog(ns);
    let droppedAll: CtEntry[];
    try {
      // Subscribed once it says it has set its buffer. Then the calls, at once after the create (well inside the
      // agent's first second with the network): the agent follows a network's drops before it reports it attached.
      await listener.ready;
      // Closed with a reset (linger 0): the entry goes to CLOSE, and the next call from the same port replaces it at once.
      const call = `printf 'GET /bytes/1000 HTTP/1.0\\r\\n\\r\\n' | socat - TCP:198.51.100.10:80,sourceport=40001,reuseaddr,so-linger=0 >/dev/null`;
      inNs(names.resource(worker.id), ['bash', '-c', `${call}; ${call}; ${call}`]);
      await sleep(300);
      droppedAll = listener.take();
    } finally {
      listener.close();
    }
    const mine = (e: CtEntry) => e.orig.src === worker.private_ip && e.orig.sport === 40001 && e.orig.dst === '198.51.100.10';
    const dropped = droppedAll.filter(mine);
    const [left] = inNs(ns, ['conntrack', '-L', '-o', 'xml,id,ktimestamp']).split('\n').flatMap((l) => parseConntrackXml(l) ?? []).filter(mine);
    const calls = [...dropped, ...(left ? [left] : [])];
    // Three connections, each made and gone (or replaced) well within the agent's one-second reading interval.
    expect(new Set(calls.map((c) => c.start)).size).toBe(3);
    const { ingress } = await expectBilledAsCounted(key, calls);
    expect(ingress).toBeGreaterThan(3000n);
  }, 120_000);

  maybe('loses no byte and counts none twice when billing is killed with -9 and NATS restarts in the middle of a transfer', async () => {
    const { key, worker, closedWireBytes } = await workerOfNewAccount('restarts');
    // 60 MB at 4 MiB/s: fourteen seconds, inside which billing dies and the bus restarts.
    const slow = spawn('ip', ['netns', 'exec', names.resource(worker.id), 'curl', '-s', '-o', '/dev/null', '--limit-rate', '4M', 'http://198.51.100.10/bytes/60000000'], { stdio: 'ignore' });
    const slowDone = new Promise((r) => slow.once('exit', r));
    const metered = await usageWhen(key, (u) => u.ingress > 1_000_000n, 10_000);
    expect(metered.ingress).toBeGreaterThan(1_000_000n);

    await stopChild(billing, 'SIGKILL');
    await sleep(1000);
    billing = startBillingProcess(ctx);
    await sleep(2000);
    await ctx.natsServer!.stop('SIGTERM');
    await sleep(2000);
    const midway = slow.exitCode === null;
    await ctx.natsServer!.start();
    expect(midway).toBe(true); // the bus was down in the middle of the transfer
    await slowDone;

    const wire = await closedWireBytes();
    expect(wire).toBeGreaterThan(60_000_000n);
    const settled = await usageWhen(key, (u) => u.egress + u.ingress === wire, 60_000);
    expect(settled.egress + settled.ingress).toBe(wire);
    expect(settled.private).toBe(0n);
  }, 180_000);

  // What a host's death costs: the agent and the kernel's counters go at once (here: the agent killed with -9 and
  // the network's namespace, its connection table with it, deleted in the same instant); the disk stays. The
  // sender and receiver are processes of their own (iperf3), not the agent's internet host, which dies with it.
  maybe('a host that dies loses at most what its connections moved since their last report', async () => {
    const { key, worker, wireBytes } = await workerOfNewAccount('host-death');
    const rate = 4_000_000;
    const sink = spawn('ip', ['netns', 'exec', names.internet, 'iperf3', '-s', '-1', '-p', '5399'], { stdio: 'ignore' });
    await sleep(300);
    const sender = spawn('ip', ['netns', 'exec', names.resource(worker.id), 'iperf3', '-c', '198.51.100.10', '-p', '5399', '-b', String(rate * 8), '-t', '30'], { stdio: 'ignore' });
    const reported = await usageWhen(key, (u) => u.egress > 8_000_000n, 15_000);
    expect(reported.egress).toBeGreaterThan(8_000_000n);
    const counted = wireBytes();
    await stopChild(agent.process, 'SIGKILL');
    execFileSync('ip', ['netns', 'del', names.network(worker.networkId)]);
    sender.kill();
    sink.kill();

    await agent.start();
    const billed = await usageWhen(key, () => false, 6000);
    const lost = counted - (billed.egress + billed.ingress);
    // The bound: a connection's bytes since its last report, at most FLOW_REPORT_INTERVAL_SECONDS (2 here) plus one
    // poll (1 s) of its traffic; a meter that reported only ended connections would have lost all of it.
    console.log(`host death: the kernel had counted ${counted} bytes, billing has ${billed.egress + billed.ingress}; lost ${lost} (${(Number(lost) / rate).toFixed(2)} s of this connection's traffic; bound ${3 * rate})`);
    expect(counted).toBeGreaterThan(reported.egress);
    expect(lost).toBeGreaterThanOrEqual(0n); // nothing counted twice
    expect(lost).toBeLessThanOrEqual(BigInt(3 * rate));
    // And the network is made again: the worker reaches the internet once more.
    expect(inNs(names.resource(worker.id), ['curl', '-s', '-m', '5', 'http://198.51.100.10/ip'])).toContain('.');
  }, 120_000);
});
