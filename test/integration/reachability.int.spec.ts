// POST /v1/hosting/network/reachability through the gateway: the private path
// inside a project's network, the public path across projects, the reasons
// when blocked, and a read key asking (it changes nothing). The
// cross-account answers are in cross-account.int.spec.ts.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('reachability suite', { env: { PUBLIC_IP_POOL: '198.51.100.0/24' } });
const api: typeof ctx.api = (...args) => ctx.api(...args);

let key: string;
let worker: any;
let db: any;
let other: any;
const reach = async (body: object, as = key) => {
  const answer = await api('POST', '/v1/hosting/network/reachability', { key: as, body });
  return answer;
};

beforeAll(async () => {
  key = await ctx.newKey('reach');
  worker = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'worker' } })).body;
  db = (await api('POST', '/v1/hosting/databases', { key, body: { name: 'pg' } })).body;
  expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop', cidr: '10.3.0.0/16' } })).status).toBe(201);
  other = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'api', project: 'shop' } })).body;
}, 60_000);

describe('same network: the private path', () => {
  it('reaches the database on 5432 by id, address and every one of its names', async () => {
    for (const destination of [db.id, db.private_ip, 'pg.internal', 'pg', `${db.id}.internal`]) {
      const { status, body } = await reach({ source: worker.id, destination, port: 5432 });
      expect([destination, status]).toEqual([destination, 200]);
      expect(body).toEqual({
        reachable: true,
        path: 'private',
        hops: [
          { type: 'source', id: worker.id, name: 'worker', project: 'default', address: worker.private_ip },
          { type: 'network', project: 'default' },
          { type: 'destination', id: db.id, name: 'pg', project: 'default', address: db.private_ip, port: 5432, protocol: 'tcp' },
        ],
        blocked_by: null,
      });
    }
  });

  it('refuses a port the database does not serve, and any port of a stopped VM', async () => {
    expect((await reach({ source: worker.id, destination: 'pg.internal', port: 3306 })).body.blocked_by).toMatchObject({ code: 'PORT_NOT_SERVED', component: 'destination' });
    const sibling = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'sibling' } })).body;
    expect((await reach({ source: worker.id, destination: 'sibling.vm.internal', port: 9999, protocol: 'udp' })).body).toMatchObject({ reachable: true, path: 'private' });
    expect((await api('POST', `/v1/hosting/vms/${sibling.id}/stop`, { key })).status).toBe(200);
    expect((await reach({ source: worker.id, destination: sibling.id, port: 22 })).body).toMatchObject({
      reachable: false,
      path: 'none',
      blocked_by: { code: 'RESOURCE_STOPPED', component: 'destination' },
    });
    expect((await reach({ source: sibling.id, destination: worker.id, port: 22 })).body.blocked_by).toMatchObject({ code: 'RESOURCE_STOPPED', component: 'source' });
  });
});

describe('another project: only through a public address', () => {
  it('is DIFFERENT_NETWORK until a port is opened, then public on that port only', async () => {
    expect((await reach({ source: worker.id, destination: other.id, port: 8080 })).body.blocked_by).toMatchObject({ code: 'DIFFERENT_NETWORK', component: 'network' });
    // Its private name means nothing in the worker's network.
    expect((await reach({ source: worker.id, destination: 'api.vm.internal', port: 8080 })).body.blocked_by.code).toBe('UNKNOWN_DESTINATION');
    const opened = (await api('POST', `/v1/hosting/vms/${other.id}/ports`, { key, body: { port: 8080, protocol: 'http' } })).body;
    for (const destination of [other.id, opened.public_ip]) {
      const { body } = await reach({ source: worker.id, destination, port: 8080 });
      expect(body).toMatchObject({ reachable: true, path: 'public', blocked_by: null });
      expect(body.hops.map((h: any) => h.type)).toEqual(['source', 'network', 'internet', 'public-address', 'destination']);
    }
    expect((await reach({ source: worker.id, destination: other.id, port: 22 })).body.blocked_by).toMatchObject({ code: 'PORT_NOT_OPEN', reason: expect.stringMatching(/open: 8080\/tcp/) });
  });

  it('reaches a public database by its public host on 5432', async () => {
    const pg = (await api('POST', '/v1/hosting/databases', { key, body: { name: 'reports', project: 'shop' } })).body;
    expect((await reach({ source: worker.id, destination: pg.id, port: 5432 })).body.blocked_by.code).toBe('DIFFERENT_NETWORK');
    const on = (await api('PATCH', `/v1/hosting/databases/${pg.id}`, { key, body: { public_access: true } })).body;
    expect((await reach({ source: worker.id, destination: on.public_host, port: 5432 })).body).toMatchObject({ reachable: true, path: 'public' });
    expect((await reach({ source: worker.id, destination: on.public_ip, port: 6379 })).body.blocked_by.code).toBe('PORT_NOT_OPEN');
  });
});

describe('the request', () => {
  it('may be asked with a read key, changes nothing, and checks its fields', async () => {
    const read = (await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'viewer', scope: 'read' } })).body.api_key;
    const before = (await api('GET', `/v1/hosting/vms/${worker.id}/events`, { key })).body;
    expect((await reach({ source: worker.id, destination: db.id, port: 5432 }, read)).status).toBe(200);
    expect((await api('GET', `/v1/hosting/vms/${worker.id}/events`, { key })).body).toEqual(before);
    for (const [body, field] of [
      [{ source: worker.id, destination: db.id, port: 0 }, 'port'],
      [{ source: worker.id, destination: db.id, port: '22' }, 'port'],
      [{ source: worker.id, destination: db.id, port: 22, protocol: 'icmp' }, 'protocol'],
      [{ destination: db.id, port: 22 }, 'source'],
      [{ source: worker.id, port: 22 }, 'destination'],
    ] as const) {
      const answer = await reach(body);
      expect([field, answer.status, answer.body.error.field]).toEqual([field, 400, field]);
    }
    expect((await reach({ source: 'vm_01jzzzzzzzzzzzzzzzzzzzzzzz', destination: db.id, port: 22 })).status).toBe(404);
    expect((await reach({ source: worker.id, destination: 'not a name', port: 22 })).body.blocked_by.code).toBe('UNKNOWN_DESTINATION');
  });
});
