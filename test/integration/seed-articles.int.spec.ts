// Every request and JSON shape of the two source articles (shared/seeds/),
// against the real services: MoltbotDen's account network with `.internal`
// names, and Superjolt's project networks with bare names.
import { describe, expect, it } from '@jest/globals';
import { addressesOf, queryDns, rcodeOf } from '@pn/dns-server';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('seed-articles suite');
const api: typeof ctx.api = (...args) => ctx.api(...args);
const newKey = () => ctx.newKey('seed');

async function resolve(networkId: string, name: string): Promise<string[]> {
  const answer = await queryDns({ host: '127.0.0.1', port: ctx.platform.dnsPort, name, networkId, transport: 'udp', timeoutMs: 2000 });
  return rcodeOf(answer) === 'NOERROR' ? addressesOf(answer) : [rcodeOf(answer)];
}

describe('MoltbotDen: private networking between services', () => {
  it('gives the VM, database, cache and bucket private addresses in their blocks, hostnames, and one topology', async () => {
    const key = await newKey();
    const vm = await api('POST', '/v1/hosting/vms', {
      key,
      body: { name: 'agent-worker-1', region: 'us-east-1', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 } },
    });
    const db = await api('POST', '/v1/hosting/databases', { key, body: { name: 'agent-postgres', engine: 'postgresql', version: '16' } });
    const cache = await api('POST', '/v1/hosting/caches', { key, body: { name: 'agent-redis' } });
    const bucket = await api('POST', '/v1/hosting/buckets', { key, body: { name: 'agent-files' } });
    expect([vm.status, db.status, cache.status, bucket.status]).toEqual([201, 201, 201, 201]);

    // The article's JSON shapes, field for field.
    expect((await api('GET', `/v1/hosting/vms/${vm.body.id}`, { key })).body).toMatchObject({
      id: expect.stringMatching(/^vm_[0-9a-z]{26}$/),
      name: 'agent-worker-1',
      status: 'running',
      region: 'us-east-1',
      private_ip: '10.0.1.1',
      public_ip: null,
      specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 },
    });
    expect((await api('GET', `/v1/hosting/databases/${db.body.id}`, { key })).body).toMatchObject({
      id: expect.stringMatching(/^db_[0-9a-z]{26}$/),
      name: 'agent-postgres',
      engine: 'postgresql',
      version: '16',
      status: 'available',
      private_ip: '10.0.2.1',
      private_host: 'agent-postgres.internal',
      port: 5432,
      public_access: false,
    });
    expect((await api('GET', `/v1/hosting/caches/${cache.body.id}`, { key })).body).toMatchObject({
      id: expect.stringMatching(/^cache_[0-9a-z]{26}$/),
      name: 'agent-redis',
      engine: 'redis',
      version: '7.2',
      status: 'available',
      private_ip: '10.0.3.1',
      private_host: 'agent-redis.internal',
      port: 6379,
      public_access: false,
    });
    expect(bucket.body).toMatchObject({ id: expect.stringMatching(/^bkt_[0-9a-z]{26}$/), private_ip: '10.0.4.1', private_host: 'agent-files.storage.internal' });

    const topology = (await api('GET', '/v1/hosting/network/topology', { key })).body;
    expect(topology.private_cidr).toBe('10.0.0.0/16');
    expect(topology.resources).toEqual([
      { type: 'vm', id: vm.body.id, name: 'agent-worker-1', private_ip: '10.0.1.1' },
      { type: 'database', id: db.body.id, name: 'agent-postgres', private_ip: '10.0.2.1' },
      { type: 'cache', id: cache.body.id, name: 'agent-redis', private_ip: '10.0.3.1' },
      { type: 'bucket', id: bucket.body.id, name: 'agent-files', private_ip: '10.0.4.1' },
    ]);

    // The hostname table: VM {name}.vm.internal, database and cache {name}.internal, storage {name}.storage.internal.
    expect(await resolve(topology.network_id, 'agent-worker-1.vm.internal')).toEqual(['10.0.1.1']);
    expect(await resolve(topology.network_id, 'agent-postgres.internal')).toEqual(['10.0.2.1']);
    expect(await resolve(topology.network_id, 'agent-redis.internal')).toEqual(['10.0.3.1']);
    expect(await resolve(topology.network_id, 'agent-files.storage.internal')).toEqual(['10.0.4.1']);
  });

  it('keeps a database private until PATCHed, and keeps its address through it', async () => {
    const key = await newKey();
    const db = (await api('POST', '/v1/hosting/databases', { key, body: { name: 'staging-db' } })).body;
    expect((await api('GET', `/v1/hosting/databases/${db.id}`, { key })).body.public_access).toBe(false);
    const patched = await api('PATCH', `/v1/hosting/databases/${db.id}`, { key, body: { public_access: true } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ public_access: true, private_ip: db.private_ip });
    const bad = await api('PATCH', `/v1/hosting/databases/${db.id}`, { key, body: { public_access: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('public_access');
  });

  it('routes reads to a replica with its own address and host', async () => {
    const key = await newKey();
    const primary = (await api('POST', '/v1/hosting/databases', { key, body: { name: 'agent-postgres', version: '16' } })).body;
    const replica = await api('POST', `/v1/hosting/databases/${primary.id}/replicas`, { key, body: {} });
    expect(replica.status).toBe(201);
    expect(replica.body).toMatchObject({
      name: 'agent-postgres-replica',
      role: 'replica',
      primary_id: primary.id,
      private_host: 'agent-postgres-replica.internal',
      private_ip: '10.0.2.2',
      port: 5432,
    });
    const { network_id } = (await api('GET', '/v1/hosting/network/topology', { key })).body;
    expect(await resolve(network_id, 'agent-postgres-replica.internal')).toEqual(['10.0.2.2']);
  });

  it('isolates accounts: the same private IP in two accounts, and no way into the other', async () => {
    const a = await newKey();
    const b = await newKey();
    const vmA = (await api('POST', '/v1/hosting/vms', { key: a, body: { name: 'vm' } })).body;
    const vmB = (await api('POST', '/v1/hosting/vms', { key: b, body: { name: 'vm' } })).body;
    expect(vmA.private_ip).toBe(vmB.private_ip);
    expect((await api('GET', `/v1/hosting/vms/${vmA.id}`, { key: b })).status).toBe(404);
    expect((await api('DELETE', `/v1/hosting/vms/${vmA.id}`, { key: b })).status).toBe(404);
  });
});

describe('Superjolt: project networking', () => {
  it('runs the worked example: db (postgres-18) and api (nodejs-24) in project shop, reaching each other by name', async () => {
    const key = await newKey();
    const project = await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({ name: 'shop', private_cidr: '10.0.0.0/16', network_id: expect.stringMatching(/^net_/) });
    const db = await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', image: 'postgres-18', project: 'shop' } });
    const apiVm = await api('POST', '/v1/hosting/vms', { key, body: { name: 'api', image: 'nodejs-24', project: 'shop' } });
    expect(db.body).toMatchObject({ status: 'running', image: 'postgres-18', service_ports: [5432], project: 'shop' });
    expect(apiVm.body).toMatchObject({ status: 'running', image: 'nodejs-24', service_ports: [3000], project: 'shop' });
    // `psql -h db` and `curl http://api:3000` inside the project: the bare names resolve.
    expect(await resolve(project.body.network_id, 'db')).toEqual([db.body.private_ip]);
    expect(await resolve(project.body.network_id, 'api')).toEqual([apiVm.body.private_ip]);
    const listed = (await api('GET', '/v1/hosting/vms?project=shop', { key })).body;
    expect(listed.items.map((v: { name: string }) => v.name)).toEqual(['db', 'api']);
    const projects = (await api('GET', '/v1/hosting/projects', { key })).body.items.map((p: { name: string }) => p.name);
    expect(projects.sort()).toEqual(['default', 'shop']);
  });

  it('isolates projects of one account: the same name in another project does not collide', async () => {
    const key = await newKey();
    const shop = (await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } })).body;
    const blog = (await api('POST', '/v1/hosting/projects', { key, body: { name: 'blog', cidr: '10.7.0.0/16' } })).body;
    const shopDb = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', image: 'postgres-18', project: 'shop' } })).body;
    const blogDb = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', image: 'postgres-18', project: 'blog' } })).body;
    expect(shopDb.private_ip).toBe('10.0.1.1');
    expect(blogDb.private_ip).toBe('10.7.1.1');
    expect(await resolve(shop.network_id, 'db')).toEqual(['10.0.1.1']);
    expect(await resolve(blog.network_id, 'db')).toEqual(['10.7.1.1']);
    expect(await resolve(shop.network_id, `${blogDb.id}.vm.internal`)).toEqual(['NXDOMAIN']);
    const topology = (await api('GET', '/v1/hosting/network/topology?project=blog', { key })).body;
    expect(topology).toMatchObject({ private_cidr: '10.7.0.0/16', resources: [expect.objectContaining({ id: blogDb.id })] });
  });

  it('gives a shared name to the older VM, and to the next oldest once it is deleted', async () => {
    const key = await newKey();
    await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } });
    const older = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', project: 'shop' } })).body;
    const newer = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', project: 'shop' } })).body;
    const { network_id } = (await api('GET', '/v1/hosting/network/topology?project=shop', { key })).body;
    expect(await resolve(network_id, 'db')).toEqual([older.private_ip]);
    expect((await api('DELETE', `/v1/hosting/vms/${older.id}`, { key })).status).toBe(204);
    expect(await resolve(network_id, 'db')).toEqual([newer.private_ip]);
    expect(await resolve(network_id, `${older.id}.vm.internal`)).toEqual(['NXDOMAIN']);
    expect((await api('GET', `/v1/hosting/vms/${older.id}`, { key })).status).toBe(404);
  });

  it('refuses a project that does not exist, or exists already, or an image it does not know', async () => {
    const key = await newKey();
    const missing = await api('POST', '/v1/hosting/vms', { key, body: { name: 'x', project: 'nope' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe('project');
    await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } });
    expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } })).status).toBe(409);
    const image = await api('POST', '/v1/hosting/vms', { key, body: { name: 'x', image: 'windows-11' } });
    expect(image.status).toBe(400);
    expect(image.body.error.field).toBe('image');
    const cidr = await api('POST', '/v1/hosting/projects', { key, body: { name: 'wide', cidr: '10.0.0.0/8' } });
    expect(cidr.status).toBe(400);
    expect(cidr.body.error.field).toBe('cidr');
  });
});

describe('lifecycle', () => {
  it('keeps a VM’s address through stop and start, and records its history oldest first', async () => {
    const key = await newKey();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'worker' } })).body;
    expect((await api('POST', `/v1/hosting/vms/${vm.id}/stop`, { key })).body).toMatchObject({ status: 'stopped', private_ip: vm.private_ip });
    expect((await api('POST', `/v1/hosting/vms/${vm.id}/start`, { key })).body).toMatchObject({ status: 'running', private_ip: vm.private_ip });
    const history = (await api('GET', `/v1/hosting/vms/${vm.id}/events`, { key })).body;
    expect(history.events.map((e: { type: string }) => e.type)).toEqual([
      'ResourceRequested',
      'AddressAssigned',
      'HostnamesPublished',
      'ResourceProvisioned',
      'ResourceStopped',
      'ResourceStarted',
    ]);
    expect(history.events[1].data).toMatchObject({ privateIp: vm.private_ip });
    const times = history.events.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('paginates lists with a cursor', async () => {
    const key = await newKey();
    for (const name of ['c1', 'c2', 'c3', 'c4', 'c5']) await api('POST', '/v1/hosting/caches', { key, body: { name } });
    const first = (await api('GET', '/v1/hosting/caches?limit=2', { key })).body;
    expect(first.items.map((c: { name: string }) => c.name)).toEqual(['c1', 'c2']);
    const second = (await api('GET', `/v1/hosting/caches?limit=2&cursor=${first.next_cursor}`, { key })).body;
    expect(second.items.map((c: { name: string }) => c.name)).toEqual(['c3', 'c4']);
    const last = (await api('GET', `/v1/hosting/caches?limit=2&cursor=${second.next_cursor}`, { key })).body;
    expect(last).toEqual({ items: [expect.objectContaining({ name: 'c5' })], next_cursor: null });
    expect((await api('GET', '/v1/hosting/caches?cursor=garbage', { key })).status).toBe(400);
  });

  it('does not hand a deleted resource’s address to the next one while it is quarantined', async () => {
    const key = await newKey();
    const first = (await api('POST', '/v1/hosting/buckets', { key, body: { name: 'b1' } })).body;
    expect((await api('DELETE', `/v1/hosting/buckets/${first.id}`, { key })).status).toBe(204);
    const next = (await api('POST', '/v1/hosting/buckets', { key, body: { name: 'b2' } })).body;
    expect(first.private_ip).toBe('10.0.4.1');
    expect(next.private_ip).toBe('10.0.4.2');
  });
});
