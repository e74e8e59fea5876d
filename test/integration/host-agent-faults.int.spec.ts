// The host agent's faults, as an operator meets them: the agent killed with
// -9 while two VMs move data (the kernel keeps forwarding: the transfer does
// not notice), resources created and deleted while it is down (made real and
// removed when it returns, by the start's full resync, which adds no rule
// twice), and a link deleted by hand (back within a few seconds).
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { noDataPlane, useAgentProcess } from '../support/host-agent.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('host-agent faults suite', { env: { DNS_FORWARDER_SECRET: 'faults-suite-secret' } });
const api: typeof ctx.api = (...args) => ctx.api(...args);
const maybe = noDataPlane ? it.skip : it;
if (noDataPlane) console.log(`host-agent faults suite: skipped — ${noDataPlane}`);

const agent = useAgentProcess(ctx);
const { names, hostId } = agent;

const inNs = (ns: string, command: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const connects = (from: string, ip: string, port: number) => {
  try {
    return inNs(from, ['bash', '-c', `timeout 1 bash -c 'exec 3<>/dev/tcp/${ip}/${port}' && echo open`]).includes('open');
  } catch {
    return false;
  }
};

async function vm(key: string, body: Record<string, unknown>) {
  const { status, body: created } = await api('POST', '/v1/hosting/vms', { key, body });
  expect([201, 202]).toContain(status);
  return created;
}

describe('the host agent killed and restarted', () => {
  maybe('leaves traffic flowing, catches up with what changed while it was down, and adds no rule twice; a deleted link comes back', async () => {
    // Before any agent runs: a VM's create does not wait, its network waits unplaced, and is placed and attached when an agent comes.
    const key = await ctx.newKey('faults');
    const early = await vm(key, { name: 'early', image: 'ubuntu-24' });
    expect(early.data_plane).toBeNull();
    await agent.start();
    let earlyNow = early;
    for (let i = 0; i < 100 && earlyNow.data_plane?.state !== 'attached'; i++, await sleep(100)) earlyNow = (await api('GET', `/v1/hosting/vms/${early.id}`, { key })).body;
    expect(earlyNow.data_plane).toEqual({ host: hostId, state: 'attached' });
    expect(namespaces()).toContain(names.resource(early.id));
    expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'second' } })).status).toBe(201);
    const server = await vm(key, { name: 'server', image: 'ubuntu-24' });
    const client = await vm(key, { name: 'client', image: 'ubuntu-24' });
    const gone = await vm(key, { name: 'gone', image: 'ubuntu-24', project: 'second' });
    expect([server, client, gone].map((r) => r.data_plane?.state)).toEqual(['attached', 'attached', 'attached']);
    const { body: topology } = await api('GET', '/v1/hosting/network/topology', { key });
    const networkNs = names.network(topology.network_id);
    const rulesBefore = inNs(networkNs, ['nft', '-s', 'list', 'ruleset']);

    // Eight seconds of TCP from client to server; the agent dies two seconds in.
    const iperfServer = spawn('ip', ['netns', 'exec', names.resource(server.id), 'iperf3', '-s', '-1', '-B', server.private_ip], { stdio: 'ignore' });
    await sleep(300);
    const transfer = new Promise<string>((resolve) => {
      const c = spawn('ip', ['netns', 'exec', names.resource(client.id), 'iperf3', '-c', server.private_ip, '-t', '8', '-i', '1', '-J']);
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('exit', () => resolve(out));
    });
    await sleep(2000);
    await agent.stop('SIGKILL');

    // While no agent runs: one VM more, one less (the create answers without waiting for a host that is gone).
    const late = await vm(key, { name: 'late', image: 'ubuntu-24', project: 'second' });
    expect((await api('DELETE', `/v1/hosting/vms/${gone.id}`, { key })).status).toBeLessThan(300);
    const report = JSON.parse(await transfer);
    iperfServer.kill();
    expect(report.error).toBeUndefined();
    const perSecond = (report.intervals as Array<{ sum: { bytes: number } }>).map((i) => i.sum.bytes);
    expect(perSecond.length).toBeGreaterThanOrEqual(8);
    // Every second of the eight moved data, the seconds without an agent too.
    expect(perSecond.filter((bytes) => bytes === 0)).toEqual([]);

    await agent.start();
    const lateNow = await api('GET', `/v1/hosting/vms/${late.id}`, { key });
    expect(lateNow.body.data_plane).toMatchObject({ host: hostId, state: 'attached' });
    expect(namespaces()).toContain(names.resource(late.id));
    expect(namespaces()).not.toContain(names.resource(gone.id));
    // The untouched network's rules are exactly what they were: the resync re-made nothing twice.
    expect(inNs(networkNs, ['nft', '-s', 'list', 'ruleset'])).toBe(rulesBefore);

    // A link deleted by hand: the client is cut off (its neighbour still reaches the server), then back within seconds.
    const third = await vm(key, { name: 'third', image: 'ubuntu-24' });
    const listener = spawn('ip', ['netns', 'exec', names.resource(server.id), 'socat', 'TCP-LISTEN:7000,fork,reuseaddr', 'SYSTEM:true'], { stdio: 'ignore' });
    await sleep(300);
    expect(connects(names.resource(client.id), server.private_ip, 7000)).toBe(true);
    inNs(names.resource(client.id), ['ip', 'link', 'del', 'eth0']);
    expect(connects(names.resource(client.id), server.private_ip, 7000)).toBe(false);
    expect(connects(names.resource(third.id), server.private_ip, 7000)).toBe(true);
    let back = false;
    for (let i = 0; i < 50 && !back; i++) {
      await sleep(100);
      back = connects(names.resource(client.id), server.private_ip, 7000);
    }
    listener.kill();
    expect(back).toBe(true);
  }, 180_000);
});
