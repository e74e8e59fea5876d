// The development runtime's workloads, for real: PostgreSQL and Redis in
// their namespaces with passwords from files, HTTP for nodejs-24 and
// buckets; Superjolt's `psql -h db` from the api VM through the resolver.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DnsServer, type LookupResult } from '@pn/dns-server';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDataPlane, type DataPlane } from './data-plane.js';
import type { DesiredHost, DesiredResource, ResourceStatus } from './desired-state.js';
import { runIn } from './run.js';
import { tearDownPlane, testPrefix, testRunDir, vm, whoAnswers, within } from './testing/packets.js';

jest.setTimeout(60_000);

const N = { id: 'net_work', accountId: 'acct', projectId: 'shop', cidr: '10.0.0.0/16' };
const service = (id: string, kind: DesiredResource['kind'], name: string, privateIp: string): DesiredResource => ({ id, networkId: N.id, kind, name, privateIp, publicPorts: [], stopped: false });
const db = service('db_work', 'database', 'db', '10.0.2.1');
const cache = service('cache_work', 'cache', 'cache', '10.0.3.1');
const bucket = service('bkt_work', 'bucket', 'files', '10.0.4.1');
const api = vm('vm_work_api', N.id, '10.0.1.1');
const pgVm = vm('vm_work_pg', N.id, '10.0.1.2', { image: 'postgres-18' });
const broken = service('db_broken', 'database', 'broken', '10.0.2.2');
const host: DesiredHost = { networks: [N], resources: [db, cache, bucket, api, pgVm] };
const a = (address: string): LookupResult => ({ kind: 'answer', zone: 'internal', records: [{ type: 'A', address }] });
const zone: Record<string, LookupResult> = { db: a('10.0.2.1'), 'db.internal': a('10.0.2.1') };

describe('workloads of the development runtime', () => {
  const prefix = testPrefix();
  let runDir: string;
  let dns: DnsServer;
  let dnsPort: number;
  let plane: DataPlane;
  const password = async (id: string) => (await readFile(plane.credentialsFile(id), 'utf8')).trim();
  const psql = async (from: string, hostName: string, id: string) =>
    runIn(plane.namespaceOf(from), ['env', `PGPASSWORD=${await password(id)}`, 'PGCONNECT_TIMEOUT=2', 'psql', '-h', hostName, '-U', 'postgres', '-At', '-c', 'select 1']).then(
      (out) => out.trim(),
      () => null,
    );

  beforeAll(async () => {
    runDir = await testRunDir();
    dns = new DnsServer({ host: '127.0.0.1', port: 0, lookup: (_network, qname) => zone[qname] ?? { kind: 'nxdomain', zone: 'internal' } });
    dnsPort = (await dns.start()).udpPort;
    plane = await startDataPlane({ prefix, runDir, dns: { host: '127.0.0.1', port: dnsPort }, driftCheckMs: 0 });
    expect((await plane.reconcile(host)).filter((s) => s.state !== 'attached')).toEqual([]);
    await Promise.all(host.resources.map((r) => plane.workloadReady(r.id)));
  });

  afterAll(async () => {
    await dns?.stop();
    expect(await tearDownPlane(prefix, plane, runDir)).toEqual([]);
  });

  it('runs PostgreSQL for a database and a postgres-18 VM: `psql -h db` from the api VM, with the password from its file', async () => {
    expect(await psql(api.id, 'db', db.id)).toBe('1');
    expect(await psql(api.id, '10.0.1.2', pgVm.id)).toBe('1');
  });

  it('runs Redis for a cache, behind its password', async () => {
    const cli = (args: string[]) => runIn(plane.namespaceOf(api.id), ['redis-cli', '-h', '10.0.3.1', ...args]).then((o) => o.trim());
    expect(await cli(['-a', await password(cache.id), '--no-auth-warning', 'ping'])).toBe('PONG');
    expect(await cli(['ping'])).toMatch(/NOAUTH/);
  });

  it('serves a bucket over HTTP on 443 and a nodejs-24 VM on 3000, each naming itself', async () => {
    expect(await whoAnswers(plane.namespaceOf(api.id), '10.0.4.1', 443)).toBe(bucket.id);
    expect(await whoAnswers(plane.namespaceOf(pgVm.id), '10.0.1.1', 3000)).toBe(api.id);
  });

  it('stops a database workload with the database, and brings it back at the same address', async () => {
    const stoppedDb = { ...host, resources: host.resources.map((r) => (r.id === db.id ? { ...r, stopped: true } : r)) };
    await plane.reconcile(stoppedDb);
    expect(await psql(api.id, 'db', db.id)).toBeNull();
    await plane.reconcile(host);
    await plane.workloadReady(db.id);
    expect(await psql(api.id, 'db', db.id)).toBe('1');
  });

  it('leaves PostgreSQL running across an agent restart, and the next agent adopts it', async () => {
    const pidFile = join(runDir, 'workloads', db.id, 'data', 'postmaster.pid');
    const pid = (await readFile(pidFile, 'utf8')).split('\n')[0];
    await plane.stop({ removeAll: false });
    // By address: the resolver is served by the agent and is away with it.
    expect(await psql(api.id, '10.0.2.1', db.id)).toBe('1');
    plane = await startDataPlane({ prefix, runDir, dns: { host: '127.0.0.1', port: dnsPort }, driftCheckMs: 0 });
    expect((await plane.reconcile(host)).filter((s) => s.state !== 'attached')).toEqual([]);
    await Promise.all(host.resources.map((r) => plane.workloadReady(r.id)));
    expect((await readFile(pidFile, 'utf8')).split('\n')[0]).toBe(pid);
    expect(await psql(api.id, 'db', db.id)).toBe('1');
  });

  it('reports failed, with the reason, a resource whose workload cannot start', async () => {
    const data = join(runDir, 'workloads', broken.id, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'PG_VERSION'), 'not a data directory\n');
    const seen: ResourceStatus[] = [];
    const unsubscribe = plane.onStatus((s) => seen.push(s));
    try {
      const withBroken = { ...host, resources: [...host.resources, broken] };
      await plane.reconcile(withBroken);
      await within(30_000, async () => seen.some((s) => s.resourceId === broken.id && s.state === 'failed'));
      await plane.reconcile(withBroken); // still failed: not retried at once, not taken for ready
      await expect(plane.workloadReady(broken.id)).rejects.toThrow('failed');
      expect(plane.statuses().find((s) => s.resourceId === broken.id)).toEqual({ resourceId: broken.id, state: 'failed', reason: expect.stringMatching(/^workload: /) });
      expect(plane.statuses().find((s) => s.resourceId === db.id)?.state).toBe('attached');
    } finally {
      unsubscribe();
      await plane.reconcile(host);
    }
  });
});
