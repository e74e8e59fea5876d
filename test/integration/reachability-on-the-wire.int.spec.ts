// The reachability check proven against the wire: two accounts, two projects
// each, every kind, public exposure here and there, a stopped VM. For every
// (source VM, destination address, port) the API's `reachable` must equal
// what a real TCP connect from the source's namespace does. So that a refusal
// means the network refused (not an idle port), every probed port has a
// listener in every resource's namespace, beside the workloads' own.
import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { noDataPlane, useHostAgent } from '../support/host-agent.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('reachability-on-the-wire suite', { env: { DNS_FORWARDER_SECRET: 'reachability-suite-secret' } });
const agent = useHostAgent(ctx, { workloads: true });
const api: typeof ctx.api = (...args) => ctx.api(...args);
const maybe = noDataPlane ? it.skip : it;
if (noDataPlane) console.log(`reachability-on-the-wire suite: skipped — ${noDataPlane}`);

const PORTS = [22, 443, 3000, 5432, 6379];
/** Ports a resource's own workload already holds. */
const WORKLOAD_PORTS: Record<string, number[]> = { 'nodejs-24': [3000], 'postgres-18': [5432], database: [5432], cache: [6379], bucket: [443] };

interface Resource {
  id: string;
  kind: string;
  image?: string;
  private_ip: string;
  public_ip: string | null;
  status: string;
}

async function create(key: string, kind: 'vms' | 'databases' | 'caches' | 'buckets', body: Record<string, unknown>): Promise<Resource> {
  const { status, body: r } = await api('POST', `/v1/hosting/${kind}`, { key, body });
  expect(status).toBe(201);
  expect(r.data_plane).toMatchObject({ state: 'attached' });
  return { ...r, kind: kind === 'vms' ? 'vm' : kind === 'databases' ? 'database' : kind === 'caches' ? 'cache' : 'bucket' };
}

/** Waits until the resource's JSON says the agent has made its latest state real. */
async function onTheWire(r: Resource, key: string): Promise<void> {
  const path = `/v1/hosting/${r.kind === 'vm' ? 'vms' : r.kind === 'database' ? 'databases' : r.kind === 'cache' ? 'caches' : 'buckets'}/${r.id}`;
  for (let i = 0; i < 100; i++) {
    const { body } = await api('GET', path, { key });
    if (body.data_plane?.state === 'attached') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${r.id} is not on the wire after 10 s`);
}

/** One socat per free probe port, in the resource's namespace: killed after the suite. */
const listeners: ChildProcess[] = [];
function listenEverywhere(r: Resource): void {
  const taken = WORKLOAD_PORTS[r.image ?? ''] ?? WORKLOAD_PORTS[r.kind] ?? [];
  for (const port of PORTS.filter((p) => !taken.includes(p))) {
    const child = spawn('ip', ['netns', 'exec', agent.plane.namespaceOf(r.id), 'socat', `TCP-LISTEN:${port},fork,reuseaddr`, 'SYSTEM:true'], { stdio: 'ignore' });
    listeners.push(child);
  }
}

/** Every (address, port) from one source at once: `open` when the connect completed within a second. */
async function probeFrom(source: Resource, targets: Array<{ ip: string; port: number }>): Promise<Map<string, boolean>> {
  const script = targets.map(({ ip, port }) => `(timeout 1 bash -c 'exec 3<>/dev/tcp/${ip}/${port}' 2>/dev/null && echo "${ip}:${port} open" || echo "${ip}:${port} closed") &`).join('\n') + '\nwait';
  const { stdout } = await agent.exec(source.id, ['bash', '-c', script], 30_000);
  const result = new Map<string, boolean>();
  for (const line of stdout.trim().split('\n')) {
    const [target, verdict] = line.split(' ');
    result.set(target!, verdict === 'open');
  }
  return result;
}

describe('the reachability check against the wire', () => {
  maybe('says reachable exactly where a TCP connect gets through, for every source, address and port', async () => {
    const a = await ctx.newKey('acct-a');
    const b = await ctx.newKey('acct-b');
    for (const key of [a, b]) expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'second' } })).status).toBe(201);
    const a1 = await create(a, 'vms', { name: 'a1', image: 'ubuntu-24' });
    const aApi = await create(a, 'vms', { name: 'api', image: 'nodejs-24' });
    const aOff = await create(a, 'vms', { name: 'off', image: 'ubuntu-24' });
    const aDb = await create(a, 'databases', { name: 'pg' });
    const aCache = await create(a, 'caches', { name: 'kv' });
    const aBucket = await create(a, 'buckets', { name: 'files' });
    const aOther = await create(a, 'vms', { name: 'a2', image: 'ubuntu-24', project: 'second' });
    const b1 = await create(b, 'vms', { name: 'b1', image: 'ubuntu-24' });
    const bDb = await create(b, 'databases', { name: 'pg' });
    const bOther = await create(b, 'vms', { name: 'b2', image: 'ubuntu-24', project: 'second' });
    // Exposure: a's database public, a2 opens 22, b1 opens 443; a's "off" VM stopped.
    const dbPublic = await api('PATCH', `/v1/hosting/databases/${aDb.id}`, { key: a, body: { public_access: true } });
    expect(dbPublic.status).toBe(200);
    aDb.public_ip = dbPublic.body.public_ip;
    aOther.public_ip = (await api('POST', `/v1/hosting/vms/${aOther.id}/ports`, { key: a, body: { port: 22, protocol: 'tcp' } })).body.public_ip;
    b1.public_ip = (await api('POST', `/v1/hosting/vms/${b1.id}/ports`, { key: b, body: { port: 443, protocol: 'tcp' } })).body.public_ip;
    expect((await api('POST', `/v1/hosting/vms/${aOff.id}/stop`, { key: a })).status).toBe(200);
    // Every change on the wire before probing (each answer waits for it, at most a few seconds: the agent may still be starting workloads).
    for (const [r, key] of [[aDb, a], [aOther, a], [b1, b], [aOff, a]] as const) await onTheWire(r, key);

    const everyone = [a1, aApi, aOff, aDb, aCache, aBucket, aOther, b1, bDb, bOther];
    for (const r of everyone) listenEverywhere(r);
    await Promise.all([aDb, bDb].map((r) => agent.plane.workloadReady(r.id)));
    await new Promise((r) => setTimeout(r, 500)); // the listeners bind

    const addresses = [...new Set(everyone.flatMap((r) => [r.private_ip, ...(r.public_ip ? [r.public_ip] : [])]))];
    const sources = [a1, aApi, aOther, b1, bOther];
    const mismatches: string[] = [];
    let reachable = 0;
    let checked = 0;
    for (const source of sources) {
      const key = source.id.startsWith('vm_') && [a1, aApi, aOther].includes(source) ? a : b;
      const targets = addresses.flatMap((ip) => PORTS.map((port) => ({ ip, port })));
      const wire = await probeFrom(source, targets);
      for (const { ip, port } of targets) {
        const { status, body } = await api('POST', '/v1/hosting/network/reachability', { key, body: { source: source.id, destination: ip, port } });
        expect(status).toBe(200);
        checked++;
        if (body.reachable) reachable++;
        if (body.reachable !== wire.get(`${ip}:${port}`)) mismatches.push(`${source.id} (${source.private_ip}) → ${ip}:${port}: API ${body.reachable} (${body.blocked_by?.code ?? body.path}), wire ${wire.get(`${ip}:${port}`)}`);
      }
    }
    for (const child of listeners) child.kill();
    expect(mismatches).toEqual([]);
    // Both answers occur plenty: the check is not vacuous either way.
    expect(reachable).toBeGreaterThan(20);
    expect(checked - reachable).toBeGreaterThan(20);
  }, 300_000);
});
