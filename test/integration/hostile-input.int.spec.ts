// Hostile and careless input over real HTTP (issue 7): names every object
// inherits used as a VM image, bodies too deep or too wide, prototype keys,
// null where a field is optional, bodies that are not JSON, headers that are
// too large. Each is a 4xx in the API's error shape; none is a 500, none
// leaves anything recorded, and none breaks later reads of the account.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('hostile-input suite');
const api: typeof ctx.api = (...args) => ctx.api(...args);

/** A request with any body and headers; the answer's status, headers and JSON body. */
async function raw(method: string, path: string, init: { key?: string; body?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.key) headers['x-api-key'] = init.key;
  if (init.contentType) headers['content-type'] = init.contentType;
  const started = performance.now();
  const response = await fetch(`${ctx.platform.url}${path}`, { method, headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
}

const expectError = (answer: { status: number; body: any }, status: number, code: string, field?: string) => {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.body.error.message).toEqual(expect.any(String));
  if (field !== undefined) expect(answer.body.error.field).toBe(field);
};

describe('VM images named like what every object inherits', () => {
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('"%s" is a 400 naming image; nothing is recorded and the account still reads', async (image) => {
    const key = await ctx.newKey();
    expectError(await api('POST', '/v1/hosting/vms', { key, body: { name: 'web', image } }), 400, 'invalid_request', 'image');
    const list = await api('GET', '/v1/hosting/vms', { key });
    expect(list).toEqual({ status: 200, body: { items: [], next_cursor: null } });
    // The next VM still gets the first address: the refused one took none.
    const vm = await api('POST', '/v1/hosting/vms', { key, body: { name: 'web', image: 'nodejs-24' } });
    expect(vm.status).toBe(201);
    expect(vm.body).toMatchObject({ private_ip: '10.0.1.1', image: 'nodejs-24', service_ports: [3000] });
    for (const [method, path, status] of [
      ['GET', `/v1/hosting/vms/${vm.body.id}`, 200],
      ['POST', `/v1/hosting/vms/${vm.body.id}/stop`, 200],
      ['DELETE', `/v1/hosting/vms/${vm.body.id}`, 204],
    ] as const) {
      expect((await api(method, path, { key })).status).toBe(status);
    }
  });
});

describe('bodies too complex for the validators', () => {
  it('a body nested 10,000 deep is a 400 body_too_complex, not a 500', async () => {
    const key = await ctx.newKey();
    const deep = `{"name":"web","specs":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expectError(await raw('POST', '/v1/hosting/vms', { key, body: deep, contentType: 'application/json' }), 400, 'body_too_complex');
    const deepObject = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    expectError(await raw('POST', '/v1/hosting/vms', { key, body: deepObject, contentType: 'application/json' }), 400, 'body_too_complex');
  });

  it('200 KB of unknown keys is refused as body_too_complex, in a few milliseconds', async () => {
    const key = await ctx.newKey();
    const wide = JSON.stringify({ name: 'web', ...Object.fromEntries(Array.from({ length: 9_000 }, (_, i) => [`unknown_field_${i}`, i])) });
    expect(wide.length).toBeGreaterThan(200_000);
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push(await raw('POST', '/v1/hosting/vms', { key, body: wide, contentType: 'application/json' }));
    for (const answer of tries) expectError(answer, 400, 'body_too_complex');
    // It cost ~350 ms of gateway CPU each before the walk bounded it (the rest is the transfer).
    expect(Math.min(...tries.map((t) => t.ms))).toBeLessThan(150);
  });

  it('a body that is a list, not an object, is a 400', async () => {
    const key = await ctx.newKey();
    expectError(await raw('POST', '/v1/hosting/vms', { key, body: '[{"name":"web"}]', contentType: 'application/json' }), 400, 'validation_failed');
  });
});

describe('fields that must not be there, or not be null', () => {
  it.each([
    ['{"__proto__":{}}', '__proto__'],
    ['{"name":"web","__proto__":{"image":"nodejs-24"}}', '__proto__'],
    ['{"name":"web","specs":{"vcpus":2,"memory_gb":4,"disk_gb":80,"constructor":{"prototype":{}}}}', 'specs.constructor'],
    ['{"name":"web","prototype":1}', 'prototype'],
  ])('%s is a 400 naming %s', async (body, field) => {
    const key = await ctx.newKey();
    expectError(await raw('POST', '/v1/hosting/vms', { key, body, contentType: 'application/json' }), 400, 'validation_failed', field);
    expect((await api('GET', '/v1/hosting/vms', { key })).body.items).toEqual([]);
  });

  it.each([
    ['/v1/hosting/vms', { name: 'web', specs: null }, 'specs'],
    ['/v1/hosting/vms', { name: 'web', image: null }, 'image'],
    ['/v1/hosting/databases', { name: 'pg', version: null }, 'version'],
    ['/v1/hosting/vms', { name: 'web', region: null }, 'region'],
    ['/v1/hosting/projects', { name: 'staging', cidr: null }, 'cidr'],
  ])('POST %s with %j is a 400 naming %s', async (path, body, field) => {
    const key = await ctx.newKey();
    expectError(await api('POST', path, { key, body }), 400, 'validation_failed', field);
  });
});

// One rule for every field: a value of the wrong JSON type is a 400 naming
// the field, never coerced (the API documents `version` as a string).
describe('a wrong JSON type is a 400 naming the field', () => {
  it.each([
    ['/v1/hosting/databases', { name: 'pg', version: 17 }, 'version'],
    ['/v1/hosting/databases', { name: 'pg', engine: 1 }, 'engine'],
    ['/v1/hosting/caches', { name: 'kv', version: 7.2 }, 'version'],
    ['/v1/hosting/vms', { name: 'web', specs: { vcpus: '2', memory_gb: 4, disk_gb: 80 } }, 'specs.vcpus'],
    ['/v1/hosting/vms', { name: 'web', image: true }, 'image'],
    ['/v1/hosting/vms', { name: 12 }, 'name'],
    ['/v1/hosting/vms', { name: 'web', region: ['us-east-1'] }, 'region'],
    ['/v1/hosting/projects', { name: 'staging', cidr: 10 }, 'cidr'],
  ])('POST %s with %j is a 400 naming %s', async (path, body, field) => {
    const key = await ctx.newKey();
    expectError(await api('POST', path, { key, body }), 400, 'validation_failed', field);
  });

  it('the same fields with the right types are accepted (positive control)', async () => {
    const key = await ctx.newKey();
    expect((await api('POST', '/v1/hosting/databases', { key, body: { name: 'pg', engine: 'postgresql', version: '17' } })).status).toBe(201);
    expect((await api('POST', '/v1/hosting/caches', { key, body: { name: 'kv', version: '7.2' } })).status).toBe(201);
    expect((await api('POST', '/v1/hosting/vms', { key, body: { name: 'web', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 } } })).status).toBe(201);
  });
});

describe('bodies that are not JSON', () => {
  it('a text/plain body is a 415, not a validation message', async () => {
    const key = await ctx.newKey();
    const answer = await raw('POST', '/v1/hosting/vms', { key, body: '{"name":"web"}', contentType: 'text/plain' });
    expectError(answer, 415, 'unsupported_media_type');
    expectError(await raw('POST', '/v1/hosting/vms', { key, body: 'name=web', contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectError(await raw('PATCH', '/v1/hosting/databases/db_01aaaaaaaaaaaaaaaaaaaaaaaa', { key, body: '{"public_access":true}', contentType: 'text/plain' }), 415, 'unsupported_media_type');
  });

  it('a POST without a body needs no content type', async () => {
    const key = await ctx.newKey();
    const vm = await api('POST', '/v1/hosting/vms', { key, body: { name: 'web' } });
    expect((await raw('POST', `/v1/hosting/vms/${vm.body.id}/stop`, { key })).status).toBe(200);
  });

  it('application/*+json and a charset are JSON', async () => {
    const key = await ctx.newKey();
    expect((await raw('POST', '/v1/hosting/vms', { key, body: '{"name":"web"}', contentType: 'application/vnd.api+json' })).status).toBe(201);
    expect((await raw('POST', '/v1/hosting/vms', { key, body: '{"name":"api"}', contentType: 'application/json; charset=utf-8' })).status).toBe(201);
  });
});

describe('what the HTTP server answers itself', () => {
  it('headers that are too large are a 431 with a JSON body', async () => {
    const answer = await new Promise<{ status: number; type: string; body: any }>((resolve, reject) => {
      const url = new URL(`${ctx.platform.url}/v1/hosting/vms`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { 'x-padding': 'a'.repeat(20_000) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ error: { code: 'request_header_fields_too_large', message: expect.any(String) } });
  });

  it('a malformed request is a 400 with a JSON body', async () => {
    const url = new URL(ctx.platform.url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
      let received = '';
      socket.on('data', (chunk) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(body!)).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
  });

  it('does not say what it runs on (no X-Powered-By)', async () => {
    const key = await ctx.newKey();
    for (const answer of [await raw('GET', '/v1/hosting/vms', { key }), await raw('GET', '/nowhere'), await raw('GET', '/v1/hosting/vms')]) {
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });
});
