// Nothing unbounded crosses the bus: an account's projects, a resource's event
// history and a network's topology come a page at a time (`next_cursor`), so
// no reply can outgrow NATS's payload limit, and an account's projects and a
// network's resources stop at their quotas (429 quota_exceeded), small here.
import { describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const PROJECTS = 25;
const PER_NETWORK = 12;
const ctx = usePlatform('bounded replies', {
  env: { QUOTA_PROJECTS: String(PROJECTS), QUOTA_RESOURCES_PER_NETWORK: String(PER_NETWORK) },
});

/** Every page of a paged GET, following next_cursor to its end; `items` picks the page's list out of the body. */
async function walk(key: string, path: string, items: (body: any) => any[]): Promise<any[][]> {
  const pages: any[][] = [];
  let cursor: string | null = null;
  do {
    const url: string = cursor === null ? path : `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
    const { status, body } = await ctx.api('GET', url, { key });
    expect(status).toBe(200);
    expect(body).toHaveProperty('next_cursor');
    pages.push(items(body));
    cursor = body.next_cursor;
    if (pages.length > 200) throw new Error(`${path}: paging does not end`);
  } while (cursor !== null);
  return pages;
}

const badCursor = { status: 400, body: { error: expect.objectContaining({ field: 'cursor' }) } };

/** A create under an Idempotency-Key (the API client of platform.ts sends none). */
async function createOnce(key: string, idempotencyKey: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${ctx.platform.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('projects', () => {
  it('come a page at a time, oldest first, each once', async () => {
    const key = await ctx.newKey();
    const names = Array.from({ length: PROJECTS }, (_, i) => `p-${String(i).padStart(2, '0')}`);
    for (const name of names) expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name } })).status).toBe(201);

    const pages = await walk(key, '/v1/hosting/projects?limit=10', (body) => body.items);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 6]);
    const listed = pages.flat();
    expect(listed.map((p) => p.name).sort()).toEqual([...names, 'default'].sort());
    const ids = listed.map((p) => p.id);
    expect(ids).toEqual([...ids].sort());
    // The default page holds them all here, and says there is nothing more.
    const all = (await ctx.api('GET', '/v1/hosting/projects', { key })).body;
    expect(all).toEqual({ items: listed, next_cursor: null });
  });

  it('stop at the account’s quota (429 naming it), the default project not counted; other accounts are not affected', async () => {
    const key = await ctx.newKey();
    for (let i = 0; i < PROJECTS; i++) expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: `q-${i}` } })).status).toBe(201);

    const over = await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'one-too-many' } });
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      error: {
        code: 'quota_exceeded',
        message: expect.stringContaining(`at most ${PROJECTS} projects per account`),
        field: 'projects',
        request_id: expect.any(String),
      },
    });
    // An existing one is still "exists", not "over quota"; the default project still comes on first use.
    expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'q-0' } })).status).toBe(409);
    expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'in-default' } })).status).toBe(201);
    const names = (await walk(key, '/v1/hosting/projects?limit=100', (body) => body.items)).flat().map((p) => p.name);
    expect(names).toHaveLength(PROJECTS + 1);
    expect(names).toContain('default');
    expect(names).not.toContain('one-too-many');

    const other = await ctx.newKey('other');
    expect((await ctx.api('POST', '/v1/hosting/projects', { key: other, body: { name: 'q-0' } })).status).toBe(201);
  });

  it('refuse a cursor they did not hand out, and a page over 100', async () => {
    const key = await ctx.newKey();
    expect(await ctx.api('GET', '/v1/hosting/projects?cursor=nonsense', { key })).toMatchObject(badCursor);
    expect((await ctx.api('GET', '/v1/hosting/projects?limit=101', { key })).status).toBe(400);
  });
});

describe('a resource’s event history', () => {
  it('pages through a VM stopped and started many times, by revision, oldest first', async () => {
    const key = await ctx.newKey();
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'flappy' } })).body;
    const CYCLES = 40;
    for (let i = 0; i < CYCLES; i++) {
      expect((await ctx.api('POST', `/v1/hosting/vms/${vm.id}/stop`, { key })).status).toBe(200);
      expect((await ctx.api('POST', `/v1/hosting/vms/${vm.id}/start`, { key })).status).toBe(200);
    }

    // The default page: 50 of them, and a cursor to the rest.
    const first = (await ctx.api('GET', `/v1/hosting/vms/${vm.id}/events`, { key })).body;
    expect(first.id).toBe(vm.id);
    expect(first.events).toHaveLength(50);
    expect(first.next_cursor).toEqual(expect.any(String));

    const pages = await walk(key, `/v1/hosting/vms/${vm.id}/events?limit=7`, (body) => body.events);
    const events = pages.flat();
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect(events.slice(0, 4).map((e) => e.type)).toEqual(['ResourceRequested', 'AddressAssigned', 'HostnamesPublished', 'ResourceProvisioned']);
    expect(events.slice(4).map((e) => e.type)).toEqual(Array.from({ length: CYCLES }, () => ['ResourceStopped', 'ResourceStarted']).flat());
    // 84 events are exactly 12 pages of 7: the last full page already says there is nothing more.
    expect(pages.map((page) => page.length)).toEqual(Array.from({ length: Math.ceil(events.length / 7) }, () => 7));
    expect(first.events).toEqual(events.slice(0, 50));

    // Paging on from the first page's cursor gives the rest.
    const rest = await walk(key, `/v1/hosting/vms/${vm.id}/events?cursor=${encodeURIComponent(first.next_cursor)}&limit=100`, (body) => body.events);
    expect(rest.flat()).toEqual(events.slice(50));
  });

  it('refuses a cursor it did not hand out, naming cursor', async () => {
    const key = await ctx.newKey();
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'short-lived' } })).body;
    expect(await ctx.api('GET', `/v1/hosting/vms/${vm.id}/events?cursor=nonsense`, { key })).toMatchObject(badCursor);
    const topologyCursor = Buffer.from(vm.id).toString('base64url'); // a list's cursor is no history cursor
    expect(await ctx.api('GET', `/v1/hosting/vms/${vm.id}/events?cursor=${topologyCursor}`, { key })).toMatchObject(badCursor);
  });
});

describe('a network', () => {
  it('shows its topology a page at a time, in the article’s shape, and stops at its quota until a delete frees a slot', async () => {
    const key = await ctx.newKey();
    expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'topo' } })).status).toBe(201);
    const kinds = ['vms', 'databases', 'caches', 'buckets'];
    const created: string[] = [];
    for (let i = 0; i < PER_NETWORK; i++) {
      const { status, body } = await ctx.api('POST', `/v1/hosting/${kinds[i % kinds.length]}`, { key, body: { name: `r-${i}`, project: 'topo' } });
      expect(status).toBe(201);
      created.push(body.id);
    }

    const pages = await walk(key, '/v1/hosting/network/topology?project=topo&limit=5', (body) => body.resources);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat().map((r) => r.id).sort()).toEqual([...created].sort());
    const first = (await ctx.api('GET', '/v1/hosting/network/topology?project=topo&limit=5', { key })).body;
    expect(Object.keys(first).sort()).toEqual(['network_id', 'next_cursor', 'private_cidr', 'project', 'resources']);
    expect(first).toMatchObject({ project: 'topo', private_cidr: '10.0.0.0/16' });
    expect(Object.keys(first.resources[0]).sort()).toEqual(['id', 'name', 'private_ip', 'type']);
    expect(await ctx.api('GET', '/v1/hosting/network/topology?project=topo&cursor=nonsense', { key })).toMatchObject(badCursor);

    const over = await createOnce(key, 'one-too-many', '/v1/hosting/vms', { name: 'one-too-many', project: 'topo' });
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      error: {
        code: 'quota_exceeded',
        message: expect.stringContaining(`at most ${PER_NETWORK} resources per network`),
        field: 'resources',
        request_id: expect.any(String),
      },
    });
    // A replica is a resource of the network too.
    const database = created[1]!;
    expect((await ctx.api('POST', `/v1/hosting/databases/${database}/replicas`, { key, body: {} })).status).toBe(429);
    // Nothing of the refused ones was made, and another network of the account has room.
    expect((await ctx.api('GET', '/v1/hosting/vms?project=topo', { key })).body.items.map((r: { name: string }) => r.name)).not.toContain('one-too-many');
    expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'elsewhere' } })).status).toBe(201);

    // A deleted resource frees its slot; the refused create, retried under its Idempotency-Key, takes it.
    expect((await ctx.api('DELETE', `/v1/hosting/vms/${created[0]}`, { key })).status).toBe(204);
    expect((await createOnce(key, 'one-too-many', '/v1/hosting/vms', { name: 'one-too-many', project: 'topo' })).status).toBe(201);
    expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'one-more', project: 'topo' } })).status).toBe(429);
  });

  it('lets exactly its quota through when creates arrive all at once', async () => {
    const key = await ctx.newKey();
    expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'burst' } })).status).toBe(201);
    const statuses = await Promise.all(
      Array.from({ length: PER_NETWORK + 8 }, (_, i) => ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `b-${i}`, project: 'burst' } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(PER_NETWORK);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    const listed = (await walk(key, '/v1/hosting/vms?project=burst&limit=5', (body) => body.items)).flat();
    expect(listed).toHaveLength(PER_NETWORK);
  });
});
