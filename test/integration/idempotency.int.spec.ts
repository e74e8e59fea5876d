// Idempotency-Key on every create (DESIGN.md; issue 7): the same key and
// body return the first answer, the same resource, from any gateway
// instance; another body under the key is a 422; a request that finds the
// first still running waits for its answer. Two gateways share the keys
// through NATS JetStream KV.
import { describe, expect, it } from '@jest/globals';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { ulid } from 'ulid';
import { startGateway } from '../../services/gateway/src/start.js';
import { fingerprint, storageKey, type IdempotencyRecord } from '../../services/gateway/src/idempotency/idempotency-rules.js';
import { IDEMPOTENCY_BUCKET } from '../../services/gateway/src/idempotency/idempotency-store.js';
import { startResources } from '../../services/resources/src/start.js';
import { apiClient, usePlatform, type PlatformContext } from '../support/platform.js';

type Api = ReturnType<typeof apiClient>;

/** Like api(), with an Idempotency-Key and the answer's headers. */
function idempotentClient(baseUrl: string) {
  return async (method: string, path: string, init: { key?: string; admin?: string; body?: unknown; idem?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.key) headers['x-api-key'] = init.key;
    if (init.admin) headers.authorization = `Bearer ${init.admin}`;
    if (init.idem !== undefined) headers['idempotency-key'] = init.idem;
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: JSON.stringify(init.body ?? {}) });
    const text = await response.text();
    return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', body: text ? JSON.parse(text) : undefined };
  };
}

async function newAccount(api: Api, ctx: PlatformContext): Promise<{ id: string; key: string }> {
  const { status, body } = await api('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name: 'idem' } });
  expect(status).toBe(201);
  return { id: body.id, key: body.api_key };
}

describe('idempotent creates across two gateways', () => {
  const ctx = usePlatform('idempotency suite', { env: { RPC_TIMEOUT_MS: '2000' } });
  let one: ReturnType<typeof idempotentClient>;
  let two: ReturnType<typeof idempotentClient>;

  const api: Api = (...args) => ctx.api(...args);
  const both = async () => {
    if (!two) {
      const second: INestApplication = await startGateway(ctx.platform.configAs('gateway'));
      ctx.beforeStop(() => second.close());
      one = idempotentClient(ctx.platform.url);
      two = idempotentClient((await second.getUrl()).replace('[::1]', '127.0.0.1'));
    }
    return { one, two };
  };

  it('the same key and body, sent to both gateways at once, make one VM and get one answer', async () => {
    const { one, two } = await both();
    const { key } = await newAccount(api, ctx);
    const body = { name: 'web', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 } };
    const [a, b] = await Promise.all([
      one('POST', '/v1/hosting/vms', { key, body, idem: 'create-web-1' }),
      two('POST', '/v1/hosting/vms', { key, body, idem: 'create-web-1' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body).toEqual(a.body);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    // Later retries, on either gateway and with the keys in another order, get the same answer.
    const again = await two('POST', '/v1/hosting/vms', { key, body: { specs: { disk_gb: 80, memory_gb: 4, vcpus: 2 }, name: 'web' }, idem: 'create-web-1' });
    expect(again).toEqual({ status: 201, replayed: true, body: a.body });
    const listed = await api('GET', '/v1/hosting/vms', { key });
    expect(listed.body.items.map((v: { id: string }) => v.id)).toEqual([a.body.id]);
  });

  it('another body, path or method under a used key is a 422, and creates nothing', async () => {
    const { one, two } = await both();
    const { key } = await newAccount(api, ctx);
    expect((await one('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem: 'k' })).status).toBe(201);
    for (const [path, body] of [
      ['/v1/hosting/vms', { name: 'api' }],
      ['/v1/hosting/vms', { name: 'web', image: 'nodejs-24' }],
      ['/v1/hosting/buckets', { name: 'web' }],
    ] as const) {
      const reused = await two('POST', path, { key, body, idem: 'k' });
      expect(reused.status).toBe(422);
      expect(reused.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    }
    expect((await api('GET', '/v1/hosting/vms', { key })).body.items).toHaveLength(1);
    expect((await api('GET', '/v1/hosting/buckets', { key })).body.items).toHaveLength(0);
  });

  it('keys belong to their account: another account’s same key is its own create', async () => {
    const { one } = await both();
    const a = await newAccount(api, ctx);
    const b = await newAccount(api, ctx);
    const first = await one('POST', '/v1/hosting/vms', { key: a.key, body: { name: 'web' }, idem: 'shared-key' });
    const second = await one('POST', '/v1/hosting/vms', { key: b.key, body: { name: 'web' }, idem: 'shared-key' });
    expect([first.status, second.status, second.replayed]).toEqual([201, 201, false]);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('a key that is empty, too long or not printable ASCII is a 400 naming the header', async () => {
    const { one } = await both();
    const { key } = await newAccount(api, ctx);
    for (const idem of ['', 'x'.repeat(256), 'caf\u00e9']) {
      const answer = await one('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'validation_failed', field: 'Idempotency-Key' });
    }
    expect((await one('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem: 'x'.repeat(255) })).status).toBe(201);
  });

  it('an invalid request does not use up its key: the corrected one runs under it', async () => {
    const { one } = await both();
    const { key } = await newAccount(api, ctx);
    const invalid = await one('POST', '/v1/hosting/vms', { key, body: { name: 'Not_A_Label' }, idem: 'fix-me' });
    expect(invalid.status).toBe(400);
    const fixed = await one('POST', '/v1/hosting/vms', { key, body: { name: 'a-label' }, idem: 'fix-me' });
    expect([fixed.status, fixed.replayed]).toEqual([201, false]);
  });

  it('covers databases, caches, buckets, replicas and projects', async () => {
    const { one, two } = await both();
    const { key } = await newAccount(api, ctx);
    const db = await one('POST', '/v1/hosting/databases', { key, body: { name: 'pg' }, idem: 'db' });
    const creates: Array<[string, unknown]> = [
      ['/v1/hosting/databases', { name: 'pg' }],
      ['/v1/hosting/caches', { name: 'redis' }],
      ['/v1/hosting/buckets', { name: 'files' }],
      [`/v1/hosting/databases/${db.body.id}/replicas`, {}],
      ['/v1/hosting/projects', { name: 'staging' }],
    ];
    for (const [path, body] of creates) {
      const idem = `idem-${path}`;
      const first = await one('POST', path, { key, body, idem });
      const retry = await two('POST', path, { key, body, idem });
      expect({ path, status: first.status }).toEqual({ path, status: 201 });
      expect({ path, retry }).toEqual({ path, retry: { status: 201, replayed: true, body: first.body } });
    }
    // Not replayed, a second project of that name is refused: the replay above created nothing.
    expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'staging' } })).status).toBe(409);
    expect((await api('GET', '/v1/hosting/databases', { key })).body.items).toHaveLength(3); // db (its own key), pg, its replica
  });

  it('covers admin accounts: a retry gets the same account and the same working API key', async () => {
    const { one, two } = await both();
    // The admin is one caller on every platform sharing this NATS (and its key bucket): a key of this run's own.
    const idem = `acct-${ulid()}`;
    const first = await one('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name: 'team' }, idem });
    const retry = await two('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name: 'team' }, idem });
    expect(first.status).toBe(201);
    expect(retry).toEqual({ status: 201, replayed: true, body: first.body });
    expect((await api('GET', '/v1/hosting/vms', { key: first.body.api_key })).status).toBe(200);
    // The KV holds the answer sealed: the API key is nowhere in clear.
    const nc = await connect(ctx.nats.connectOptions('admin'));
    try {
      const kv = await new Kvm(nc).open(IDEMPOTENCY_BUCKET);
      const entry = await kv.get(storageKey('admin', idem));
      expect(entry?.string()).toEqual(expect.any(String));
      expect(entry!.string()).not.toContain(first.body.api_key);
      expect(entry!.string()).not.toContain(idem);
    } finally {
      await nc.close();
    }
  });

  it('waits for an attempt still running, answering 409 only when it outlasts a create; takes over one whose gateway died', async () => {
    const { one } = await both();
    const account = await newAccount(api, ctx);
    const nc = await connect(ctx.nats.connectOptions('admin'));
    try {
      const kv = await new Kvm(nc).open(IDEMPOTENCY_BUCKET);
      const body = { name: 'stuck' };
      const record = (startedAt: number, ulid: string): IdempotencyRecord => ({
        fingerprint: fingerprint('POST', '/v1/hosting/vms', body),
        state: 'in_progress',
        ulid,
        startedAt,
      });
      // Another gateway is (as far as the key says) running this create right now.
      await kv.put(storageKey(account.id, 'busy'), JSON.stringify(record(Date.now(), ulid().toLowerCase())));
      const started = Date.now();
      const busy = await one('POST', '/v1/hosting/vms', { key: account.key, body, idem: 'busy' });
      expect(busy.status).toBe(409);
      expect(busy.body.error).toMatchObject({ code: 'idempotency_key_in_progress', field: 'Idempotency-Key' });
      expect(Date.now() - started).toBeGreaterThan(3 * 2000); // it waited as long as a create may take (RPC_TIMEOUT_MS × 3)
      // One started long ago: its gateway died mid-create. The retry takes it over, under the id that attempt chose.
      const anHourAgo = Date.now() - 3_600_000;
      const chosen = ulid(anHourAgo).toLowerCase();
      await kv.put(storageKey(account.id, 'orphan'), JSON.stringify(record(anHourAgo, chosen)));
      const resumed = await one('POST', '/v1/hosting/vms', { key: account.key, body, idem: 'orphan' });
      expect(resumed.status).toBe(201);
      expect(resumed.body.id).toBe(`vm_${chosen}`);
    } finally {
      await nc.close();
    }
  }, 30_000);
});

describe('a create that fails on our side (503) names its resource, and its retry makes that very resource', () => {
  const ctx = usePlatform('idempotency suite (resources down)', { without: ['resources'] });

  it('answers 503 with resource_id, then creates the resource under that id once resources is back', async () => {
    const api: Api = (...args) => ctx.api(...args);
    const client = idempotentClient(ctx.platform.url);
    const { key } = await newAccount(api, ctx);
    const down = await client('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem: 'retry-me' });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'service_unavailable', resource_id: expect.stringMatching(/^vm_[0-9a-z]{26}$/) });

    const resources: INestMicroservice = await startResources(ctx.platform.configAs('resources'));
    ctx.beforeStop(() => resources.close());
    // Back means ready: while its read models catch up after a start it still answers 503, and a client retries.
    let retried = await client('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem: 'retry-me' });
    for (let i = 0; i < 40 && retried.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      retried = await client('POST', '/v1/hosting/vms', { key, body: { name: 'web' }, idem: 'retry-me' });
    }
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(down.body.error.resource_id);
    expect((await api('GET', `/v1/hosting/vms/${down.body.error.resource_id}`, { key })).body.status).toBe('running');
  });
});
