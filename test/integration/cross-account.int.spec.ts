// The cross-account matrix (issue 8): account B calls every endpoint of the
// API with account A's ids, names, domains, addresses and project, and gets
// 404 — or, where a route lists B's own things, B's own (empty of A) — and
// reachability answers exactly as for something that does not exist, except
// on A's public address, which is public. Nothing of A changes: every one of
// A's resources, ports, domains, histories, projects, keys and its topology
// read the same afterwards, field by field.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('cross-account suite', { env: { PUBLIC_IP_POOL: '198.51.100.0/24' } });
const api: typeof ctx.api = (...args) => ctx.api(...args);

interface Estate {
  key: string;
  project: string;
  vm: any;
  db: any;
  cache: any;
  bucket: any;
  domain: string;
  keyId: string;
}

/** An account with a project holding a VM (an open port and a domain), a database, a cache and a bucket. */
async function estate(name: string, cidr: string): Promise<Estate> {
  const key = await ctx.newKey(name);
  const project = `${name}-shop`;
  const created = async (path: string, body: object) => {
    const answer = await api('POST', path, { key, body: { ...body, project } });
    expect([path, answer.status]).toEqual([path, 201]);
    return answer.body;
  };
  expect((await api('POST', '/v1/hosting/projects', { key, body: { name: project, cidr } })).status).toBe(201);
  const vm = await created('/v1/hosting/vms', { name: `${name}-web`, image: 'nodejs-24' });
  expect((await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 8443, protocol: 'tcp' } })).status).toBe(200);
  const domain = `${name}-web.example.com`;
  expect((await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key, body: { domain } })).status).toBe(201);
  const db = await created('/v1/hosting/databases', { name: `${name}-pg` });
  const cache = await created('/v1/hosting/caches', { name: `${name}-redis` });
  const bucket = await created('/v1/hosting/buckets', { name: `${name}-files` });
  const keyId = (await api('GET', '/v1/hosting/api-keys', { key })).body.items[0].id;
  return { key, project, vm: (await api('GET', `/v1/hosting/vms/${vm.id}`, { key })).body, db, cache, bucket, domain, keyId };
}

/** Everything A can read of itself, to compare before and after. */
async function snapshot(a: Estate) {
  const get = async (path: string) => {
    const answer = await api('GET', path, { key: a.key });
    expect([path, answer.status]).toEqual([path, 200]);
    return answer.body;
  };
  const kinds: Array<[string, any]> = [['vms', a.vm], ['databases', a.db], ['caches', a.cache], ['buckets', a.bucket]];
  const out: Record<string, unknown> = {};
  for (const [kind, r] of kinds) {
    out[`${kind}/${r.id}`] = await get(`/v1/hosting/${kind}/${r.id}`);
    out[`${kind}/${r.id}/events`] = await get(`/v1/hosting/${kind}/${r.id}/events?limit=100`);
    out[`${kind}?project`] = await get(`/v1/hosting/${kind}?project=${a.project}&limit=100`);
  }
  out.ports = await get(`/v1/hosting/vms/${a.vm.id}/ports`);
  out.domains = await get(`/v1/hosting/vms/${a.vm.id}/domains`);
  out.topology = await get(`/v1/hosting/network/topology?project=${a.project}&limit=100`);
  out.projects = await get('/v1/hosting/projects?limit=100');
  out.keys = await get('/v1/hosting/api-keys');
  return out;
}

let a: Estate;
let b: Estate;
beforeAll(async () => {
  // Different ranges, so A's private addresses are no addresses of B's network.
  a = await estate('aaa', '10.7.0.0/16');
  b = await estate('bbb', '10.8.0.0/16');
}, 120_000);

describe('account B with account A’s ids, names, domains, addresses and project', () => {
  it('gets 404 from every endpoint that names one of A’s things, and A is unchanged field by field', async () => {
    const before = await snapshot(a);
    const kinds: Array<[string, any]> = [['vms', a.vm], ['databases', a.db], ['caches', a.cache], ['buckets', a.bucket]];
    const calls: Array<[string, string, unknown?]> = [];
    for (const [kind, r] of kinds) {
      calls.push(['GET', `/v1/hosting/${kind}/${r.id}`], ['GET', `/v1/hosting/${kind}/${r.id}/events`]);
      // By name too: a name is no id, and A's is not B's.
      calls.push(['GET', `/v1/hosting/${kind}/${r.name}`]);
      // Lists, creates and topology in A's project: B has no project by that name.
      calls.push(['GET', `/v1/hosting/${kind}?project=${a.project}`], ['POST', `/v1/hosting/${kind}`, { name: `x-${kind}`, project: a.project }]);
    }
    calls.push(
      ['POST', `/v1/hosting/vms/${a.vm.id}/stop`],
      ['POST', `/v1/hosting/vms/${a.vm.id}/start`],
      ['POST', `/v1/hosting/vms/${a.vm.id}/ports`, { port: 22, protocol: 'tcp' }],
      ['GET', `/v1/hosting/vms/${a.vm.id}/ports`],
      ['DELETE', `/v1/hosting/vms/${a.vm.id}/ports/8443`],
      ['POST', `/v1/hosting/vms/${a.vm.id}/domains`, { domain: 'evil.example.net' }],
      ['GET', `/v1/hosting/vms/${a.vm.id}/domains`],
      ['DELETE', `/v1/hosting/vms/${a.vm.id}/domains/${a.domain}`],
      ['POST', `/v1/hosting/vms/${a.vm.id}/domains/${a.domain}/verify`],
      // B's own VM with A's domain: not on B's VM.
      ['DELETE', `/v1/hosting/vms/${b.vm.id}/domains/${a.domain}`],
      ['POST', `/v1/hosting/vms/${b.vm.id}/domains/${a.domain}/verify`],
      ['PATCH', `/v1/hosting/databases/${a.db.id}`, { public_access: true }],
      ['PATCH', `/v1/hosting/caches/${a.cache.id}`, { public_access: true }],
      ['POST', `/v1/hosting/databases/${a.db.id}/replicas`, { name: 'stolen' }],
      ['DELETE', `/v1/hosting/api-keys/${a.keyId}`],
      ['GET', `/v1/hosting/network/topology?project=${a.project}`],
      ['GET', `/v1/hosting/network/resolve?name=${a.vm.name}.vm.internal&project=${a.project}`],
      ['POST', '/v1/hosting/network/reachability', { source: a.vm.id, destination: b.vm.id, port: 22 }],
      ['POST', '/v1/hosting/network/reachability', { source: a.vm.id, destination: a.db.id, port: 5432 }],
    );
    // Deletes last, so a wrongly allowed one cannot hide an earlier answer.
    for (const [kind, r] of kinds) calls.push(['DELETE', `/v1/hosting/${kind}/${r.id}`]);
    for (const [method, path, body] of calls) {
      const answer = await api(method, path, { key: b.key, ...(body === undefined ? {} : { body }) });
      expect([method, path, answer.status, answer.body?.error?.code]).toEqual([method, path, 404, 'not_found']);
    }
    expect(await snapshot(a)).toEqual(before);
  }, 60_000);

  it('sees only its own things where a route lists them, and A’s names resolve to nothing in B’s network', async () => {
    const before = await snapshot(a);
    const aIds = [a.vm.id, a.db.id, a.cache.id, a.bucket.id, a.keyId, a.project];
    const leaks = (body: unknown) => aIds.filter((id) => JSON.stringify(body).includes(id));
    for (const path of ['/v1/hosting/vms', '/v1/hosting/databases', '/v1/hosting/caches', '/v1/hosting/buckets', `/v1/hosting/vms?project=${b.project}`, '/v1/hosting/projects', '/v1/hosting/api-keys', '/v1/hosting/network/topology', `/v1/hosting/network/topology?project=${b.project}`]) {
      const answer = await api('GET', path, { key: b.key });
      expect([path, answer.status, leaks(answer.body)]).toEqual([path, 200, []]);
    }
    for (const name of [`${a.vm.name}.vm.internal`, a.vm.name, `${a.db.name}.internal`, `${a.cache.name}.internal`, `${a.bucket.name}.storage.internal`, `${a.vm.id}.vm.internal`]) {
      for (const project of ['', `&project=${b.project}`]) {
        const answer = await api('GET', `/v1/hosting/network/resolve?name=${name}${project}`, { key: b.key });
        expect([name, answer.status, answer.body.addresses]).toEqual([name, 200, []]);
      }
    }
    // A project of the same name is B's own: another network, A's untouched.
    const same = await api('POST', '/v1/hosting/projects', { key: b.key, body: { name: a.project } });
    expect(same.status).toBe(201);
    expect(same.body.network_id).not.toBe(before.topology && (before.topology as any).network_id);
    expect((await api('GET', `/v1/hosting/network/topology?project=${a.project}`, { key: b.key })).body.resources).toEqual([]);
    expect(await snapshot(a)).toEqual(before);
  }, 60_000);

  it('reachability: A’s ids, private addresses, names and pending domain answer exactly as unknown ones; A’s public address is public', async () => {
    const before = await snapshot(a);
    const reach = async (destination: string, port = 22, protocol?: string) => {
      const answer = await api('POST', '/v1/hosting/network/reachability', { key: b.key, body: { source: b.vm.id, destination, port, ...(protocol ? { protocol } : {}) } });
      expect([destination, answer.status]).toEqual([destination, 200]);
      return answer.body;
    };
    /** The answer with the destination as given blanked out: what remains must not tell A's from no one's. */
    const shape = (body: any, given: string) => JSON.parse(JSON.stringify(body).replaceAll(given, '<given>'));
    const unknownLike: Array<[string, string]> = [
      [a.vm.id, 'vm_01jzzzzzzzzzzzzzzzzzzzzzzz'],
      [a.db.id, 'db_01jzzzzzzzzzzzzzzzzzzzzzzz'],
      [a.cache.id, 'cache_01jzzzzzzzzzzzzzzzzzzzzzzz'],
      [a.bucket.id, 'bkt_01jzzzzzzzzzzzzzzzzzzzzzzz'],
      [a.vm.private_ip, '10.8.250.250'],
      [a.db.private_ip, '10.8.250.251'],
      [`${a.vm.name}.vm.internal`, 'nobody.vm.internal'],
      [a.vm.name, 'nobody'],
      [`${a.db.name}.internal`, 'nobody-pg.internal'],
      [`${a.cache.name}.internal`, 'nobody-redis.internal'],
      [`${a.bucket.name}.storage.internal`, 'nobody-files.storage.internal'],
      [`${a.vm.id}.vm.internal`, 'vm_01jzzzzzzzzzzzzzzzzzzzzzzz.vm.internal'],
      [a.domain, 'nobody.example.com'],
    ];
    for (const [theirs, nobodys] of unknownLike) {
      for (const port of [22, 5432, 8443]) {
        const answer = await reach(theirs, port);
        expect([theirs, answer.reachable, answer.path, answer.blocked_by?.code]).toEqual([theirs, false, 'none', 'UNKNOWN_DESTINATION']);
        expect(shape(answer, theirs)).toEqual(shape(await reach(nobodys, port), nobodys));
      }
    }
    // A's public address: reachable on its open ports, and the answer names nothing of A but that address.
    const hidden = [a.vm.id, a.vm.name, a.vm.private_ip, a.project];
    const open = await reach(a.vm.public_ip, 8443);
    expect(open).toMatchObject({ reachable: true, path: 'public', blocked_by: null });
    expect(open.hops.at(-1)).toEqual({ type: 'destination', address: a.vm.public_ip, port: 8443, protocol: 'tcp' });
    const closed = await reach(a.vm.public_ip, 22);
    expect(closed.blocked_by).toMatchObject({ code: 'PORT_NOT_OPEN', component: 'public-address' });
    expect(closed.blocked_by.reason).not.toMatch(/3000|8443/);
    expect((await reach(a.vm.public_ip, 8443, 'udp')).blocked_by.code).toBe('PORT_NOT_OPEN');
    for (const answer of [open, closed]) expect(hidden.filter((h) => JSON.stringify(answer).includes(h))).toEqual([]);
    expect(await snapshot(a)).toEqual(before);
  }, 60_000);
});
