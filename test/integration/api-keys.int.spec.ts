// API keys and limits (issue 8, items 6 and 7) over real HTTP and NATS:
// several keys per account, each read or write, shown once, listed without
// their secret, revoked at once on the gateway that took the DELETE and
// within the key index's lag bound on every other one; the key quota; the
// account's last write key kept; another account's key id a 404. Then the
// limits: a per-key token bucket (429 rate_limited with Retry-After), the
// same per source address for requests without a valid key, 401 for the
// admin API without its token, 413 for a body over 256 KB.
import { describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { ProjectionRunner } from '@pn/projection';
import { AccountsService } from '../../services/gateway/src/accounts/accounts.service.js';
import { startGateway } from '../../services/gateway/src/start.js';
import { apiClient, usePlatform } from '../support/platform.js';

type Api = ReturnType<typeof apiClient>;
type Answer = { status: number; body: any };

const expectError = (answer: Answer, status: number, code: string, field?: string) => {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.body.error.message).toEqual(expect.any(String));
  if (field !== undefined) expect(answer.body.error.field).toBe(field);
};

/** Polls `run` until `done` holds (or `ms` pass); returns the last answer and how long it took. */
async function until(run: () => Promise<Answer>, done: (a: Answer) => boolean, ms: number): Promise<Answer & { afterMs: number; sentAfterMs: number }> {
  const started = performance.now();
  for (;;) {
    const sentAfterMs = performance.now() - started;
    const answer = await run();
    const afterMs = performance.now() - started;
    if (done(answer) || afterMs > ms) return { ...answer, afterMs, sentAfterMs };
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('API keys', () => {
  const ctx = usePlatform('api-keys suite', { env: { QUOTA_API_KEYS: '3' } });
  const api: Api = (...args) => ctx.api(...args);
  const newKey = async (key: string, scope: 'read' | 'write', name = `${scope} key`) => {
    const answer = await api('POST', '/v1/hosting/api-keys', { key, body: { name, scope } });
    expect(answer.status).toBe(201);
    return answer.body as { id: string; name: string; scope: string; api_key: string; created_at: string };
  };

  it('shows a new key once, lists every key without its secret, the first one a write key named default', async () => {
    const first = await ctx.newKey();
    const created = await api('POST', '/v1/hosting/api-keys', { key: first, body: { name: 'dashboard', scope: 'read' } });
    expect(created).toEqual({
      status: 201,
      body: { id: expect.stringMatching(/^key_[0-9a-z]{26}$/), name: 'dashboard', scope: 'read', api_key: expect.stringMatching(/^pk_/), created_at: expect.any(String) },
    });
    const listed = await api('GET', '/v1/hosting/api-keys', { key: created.body.api_key });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      { id: expect.stringMatching(/^key_/), name: 'default', scope: 'write', created_at: expect.any(String), last4: first.slice(-4) },
      { id: created.body.id, name: 'dashboard', scope: 'read', created_at: created.body.created_at, last4: created.body.api_key.slice(-4) },
    ]);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(first);
    expect(text).not.toContain(created.body.api_key);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no hash either
  });

  it('a read key reads (200) and is refused every change with 403 insufficient_scope', async () => {
    const write = await ctx.newKey();
    const vm = await api('POST', '/v1/hosting/vms', { key: write, body: { name: 'web' } });
    expect(vm.status).toBe(201);
    const read = (await newKey(write, 'read')).api_key;
    for (const path of ['/v1/hosting/vms', `/v1/hosting/vms/${vm.body.id}`, '/v1/hosting/projects', '/v1/hosting/network/topology', '/v1/hosting/api-keys']) {
      expect({ path, status: (await api('GET', path, { key: read })).status }).toEqual({ path, status: 200 });
    }
    const changes: Array<[string, string, unknown]> = [
      ['POST', '/v1/hosting/vms', { name: 'api' }],
      ['POST', `/v1/hosting/vms/${vm.body.id}/stop`, undefined],
      ['DELETE', `/v1/hosting/vms/${vm.body.id}`, undefined],
      ['PATCH', '/v1/hosting/databases/db_x', { public_access: true }],
      ['POST', '/v1/hosting/projects', { name: 'staging' }],
      ['POST', '/v1/hosting/api-keys', { name: 'escalate', scope: 'write' }],
      ['DELETE', `/v1/hosting/api-keys/key_${'0'.repeat(26)}`, undefined],
    ];
    for (const [method, path, body] of changes) {
      const answer = await api(method, path, { key: read, body });
      expect({ method, path, status: answer.status, code: answer.body?.error?.code }).toEqual({ method, path, status: 403, code: 'insufficient_scope' });
    }
    // Nothing changed.
    expect((await api('GET', `/v1/hosting/vms/${vm.body.id}`, { key: read })).body.status).toBe('running');
    expect((await api('GET', '/v1/hosting/vms', { key: read })).body.items).toHaveLength(1);
    expect((await api('GET', '/v1/hosting/api-keys', { key: read })).body.items).toHaveLength(2);
  });

  it('refuses a bad name, scope or id with a 400 naming the field', async () => {
    const key = await ctx.newKey();
    expectError(await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'x', scope: 'admin' } }), 400, 'validation_failed', 'scope');
    expectError(await api('POST', '/v1/hosting/api-keys', { key, body: { scope: 'read' } }), 400, 'validation_failed', 'name');
    expectError(await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'x'.repeat(101), scope: 'read' } }), 400, 'validation_failed', 'name');
    expectError(await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'x', scope: 'read', key_hash: 'f'.repeat(64) } }), 400, 'validation_failed', 'key_hash');
    expectError(await api('DELETE', '/v1/hosting/api-keys/not-a-key-id', { key }), 400, 'validation_failed', 'id');
    expect((await api('GET', '/v1/hosting/api-keys', { key })).body.items).toHaveLength(1);
  });

  it('holds an account to QUOTA_API_KEYS live keys (429 quota_exceeded); a revoked key frees its slot', async () => {
    const key = await ctx.newKey();
    await newKey(key, 'read');
    const third = await newKey(key, 'write');
    expectError(await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'one too many', scope: 'read' } }), 429, 'quota_exceeded', 'api_keys');
    expect((await api('DELETE', `/v1/hosting/api-keys/${third.id}`, { key })).status).toBe(204);
    expect((await api('POST', '/v1/hosting/api-keys', { key, body: { name: 'room again', scope: 'read' } })).status).toBe(201);
  });

  it('keeps the account’s last write key (409 last_write_key); another write key first, then it can go', async () => {
    const first = await ctx.newKey();
    const keys = (await api('GET', '/v1/hosting/api-keys', { key: first })).body.items;
    await newKey(first, 'read');
    expectError(await api('DELETE', `/v1/hosting/api-keys/${keys[0].id}`, { key: first }), 409, 'last_write_key', 'id');
    const second = await newKey(first, 'write');
    expect((await api('DELETE', `/v1/hosting/api-keys/${keys[0].id}`, { key: second.api_key })).status).toBe(204);
    expect((await api('GET', '/v1/hosting/vms', { key: first })).status).toBe(401);
    expect((await api('GET', '/v1/hosting/vms', { key: second.api_key })).status).toBe(200);
  });

  it('answers 404 for another account’s key id (or one already revoked), and changes nothing', async () => {
    const mine = await ctx.newKey();
    const theirs = await ctx.newKey();
    const theirKey = await newKey(theirs, 'read');
    expectError(await api('DELETE', `/v1/hosting/api-keys/${theirKey.id}`, { key: mine }), 404, 'not_found');
    expect((await api('GET', '/v1/hosting/vms', { key: theirKey.api_key })).status).toBe(200);
    expect((await api('GET', '/v1/hosting/api-keys', { key: theirs })).body.items).toHaveLength(2);
    expect((await api('DELETE', `/v1/hosting/api-keys/${theirKey.id}`, { key: theirs })).status).toBe(204);
    expectError(await api('DELETE', `/v1/hosting/api-keys/${theirKey.id}`, { key: theirs }), 404, 'not_found');
  });

  it('revokes a key at once on the gateway that took the DELETE, and on a second gateway within the lag bound (2.25 s)', async () => {
    const second: INestApplication = await startGateway(ctx.platform.configAs('gateway'));
    ctx.beforeStop(() => second.close());
    const one = api;
    const two = apiClient((await second.getUrl()).replace('[::1]', '127.0.0.1'));
    // The bound: PROJECTION_MAX_LAG_MS (a key index further behind refuses every key) plus one lag probe (250 ms).
    const boundMs = ctx.platform.config.projectionMaxLagMs + 250;

    for (const [name, took, other] of [
      ['revoked on one, checked on two', one, two],
      ['revoked on two, checked on one', two, one],
    ] as const) {
      const owner = await ctx.newKey();
      const doomed = await newKey(owner, 'write', name);
      // A new key reaches the other gateway the same way (its subscription).
      expect((await until(() => other('GET', '/v1/hosting/vms', { key: doomed.api_key }), (a) => a.status === 200, boundMs)).status).toBe(200);

      // Both gateways are asked continuously while the DELETE runs.
      let stop = false;
      const polling = until(() => other('GET', '/v1/hosting/vms', { key: doomed.api_key }), (a) => stop || a.status === 401, 10_000);
      const revokedAt = performance.now();
      expect((await took('DELETE', `/v1/hosting/api-keys/${doomed.id}`, { key: owner })).status).toBe(204);
      const answeredAt = performance.now();
      // The gateway that took the DELETE refuses the key from the moment it answered.
      expectError(await took('GET', '/v1/hosting/vms', { key: doomed.api_key }), 401, 'unauthorized');
      const seen = await polling;
      stop = true;
      expect(seen.status).toBe(401);
      const afterAnswerMs = Math.max(0, revokedAt + seen.afterMs - answeredAt);
      console.log(`api-keys suite: ${name}: 401 on the other gateway ${afterAnswerMs.toFixed(1)} ms after the DELETE was answered (bound ${boundMs} ms)`);
      expect(afterAnswerMs).toBeLessThan(boundMs);
      // And it stays refused everywhere, for every endpoint.
      expect((await other('GET', '/v1/hosting/api-keys', { key: doomed.api_key })).status).toBe(401);
      expect((await took('POST', '/v1/hosting/vms', { key: doomed.api_key, body: { name: 'web' } })).status).toBe(401);
    }
  });

  it('keeps the bound when a gateway’s key index stalls: past the lag bound it refuses every key (503), never a revoked one', async () => {
    // A gateway whose key index stops following (as if its subscription hung), with a short lag bound.
    const stalled: INestApplication = await startGateway({ ...ctx.platform.configAs('gateway'), projectionMaxLagMs: 300 });
    ctx.beforeStop(() => stalled.close());
    const three = apiClient((await stalled.getUrl()).replace('[::1]', '127.0.0.1'));
    const index = (stalled.get(AccountsService) as unknown as { index: ProjectionRunner<unknown> }).index;
    const owner = await ctx.newKey();
    const doomed = await newKey(owner, 'write');
    expect((await until(() => three('GET', '/v1/hosting/vms', { key: doomed.api_key }), (a) => a.status === 200, 2000)).status).toBe(200);
    await index.pause();
    expect((await api('DELETE', `/v1/hosting/api-keys/${doomed.id}`, { key: owner })).status).toBe(204);
    // It never saw the revocation, yet within the bound (300 ms + a 250 ms probe) it stops taking the key:
    // a request sent after that is held while the index might catch up (at most the bound), then refused.
    const refused = await until(() => three('GET', '/v1/hosting/vms', { key: doomed.api_key }), (a) => a.status !== 200, 3000);
    expect(refused.sentAfterMs).toBeLessThan(300 + 250 + 400); // the bound, plus room for a busy machine
    expect(refused.afterMs - refused.sentAfterMs).toBeGreaterThanOrEqual(300 - 20); // held for the bound (timers may fire a little early)
    expectError(refused, 503, 'service_unavailable');
    await index.resume();
    expect((await until(() => three('GET', '/v1/hosting/vms', { key: doomed.api_key }), (a) => a.status === 401, 2000)).status).toBe(401);
    expect((await three('GET', '/v1/hosting/vms', { key: owner })).status).toBe(200);

    // A moment of lag is waited out: a request that finds the index past the bound, which catches up
    // 100 ms later, is answered as a current index would answer it, not refused.
    await index.pause();
    await ctx.newKey(); // an account event this index has not applied
    await new Promise((r) => setTimeout(r, 300 + 250 + 200));
    const sentAt = performance.now();
    const held = three('GET', '/v1/hosting/vms', { key: owner });
    await new Promise((r) => setTimeout(r, 100));
    await index.resume();
    expect((await held).status).toBe(200);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(100 - 20); // it was held until the index caught up
  });

  it('answers 401 to the admin API without its token or with a wrong one, in the error shape', async () => {
    expectError(await api('POST', '/v1/admin/accounts', { body: { name: 'x' } }), 401, 'unauthorized');
    expectError(await api('POST', '/v1/admin/accounts', { admin: 'not-the-token', body: { name: 'x' } }), 401, 'unauthorized');
    expectError(await api('POST', '/v1/admin/accounts', { admin: `${ctx.platform.adminToken}x`, body: { name: 'x' } }), 401, 'unauthorized');
    // An account's key is not the admin token either.
    const key = await ctx.newKey();
    expectError(await api('POST', '/v1/admin/accounts', { key, admin: key, body: { name: 'x' } }), 401, 'unauthorized');
  });

  it('answers 413 in the error shape to a body over 256 KB', async () => {
    const key = await ctx.newKey();
    const big = JSON.stringify({ name: 'x'.repeat(300 * 1024), scope: 'read' });
    expectError(await api('POST', '/v1/hosting/api-keys', { key, rawBody: big }), 413, 'payload_too_large');
    expect((await api('GET', '/v1/hosting/api-keys', { key })).body.items).toHaveLength(1);
  });
});

describe('rate limits', () => {
  const ctx = usePlatform('api-keys suite (rate limits)', {
    env: { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '5', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1', RATE_LIMIT_UNAUTHENTICATED_BURST: '3' },
  });

  /** Sends `n` GETs at once; the statuses and Retry-After headers, in order of sending. */
  async function burst(n: number, key?: string) {
    const headers: Record<string, string> = key ? { 'x-api-key': key } : {};
    const answers = await Promise.all(
      Array.from({ length: n }, async () => {
        const response = await fetch(`${ctx.platform.url}/v1/hosting/vms`, { headers });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as any };
      }),
    );
    return answers;
  }

  it('lets a key burst RATE_LIMIT_BURST requests, then answers 429 rate_limited with Retry-After; other keys are not held back', async () => {
    const key = await ctx.newKey();
    const other = await ctx.newKey();
    const started = performance.now();
    const answers = await burst(12, key);
    const seconds = (performance.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // The burst, plus what trickled in at 2/s while the requests were being answered.
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThanOrEqual(5 + Math.ceil(seconds * 2));
    expect(limited.length).toBe(12 - ok.length);
    for (const answer of limited) {
      expect(answer.body.error).toEqual({ code: 'rate_limited', message: expect.any(String), request_id: expect.any(String) });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect((await burst(1, other))[0]!.status).toBe(200);
    // Waiting as long as Retry-After says lets the next request through.
    await new Promise((r) => setTimeout(r, Number(limited[0]!.retryAfter) * 1000));
    expect((await burst(1, key))[0]!.status).toBe(200);
  });

  it('limits requests without a valid key per source address: a key-guessing client gets 401s, then 429s', async () => {
    const key = await ctx.newKey(); // made first: the admin is not limited, but this address soon is
    const started = performance.now();
    const guesses = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const response = await fetch(`${ctx.platform.url}/v1/hosting/vms`, { headers: { 'x-api-key': `pk_guess${i}` } });
        return { status: response.status, retryAfter: response.headers.get('retry-after') };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const statuses = guesses.map((g) => g.status);
    // The burst of 3, plus what trickled in at 1/s meanwhile.
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3 + Math.ceil(seconds));
    expect(statuses.filter((s) => s === 429).length).toBe(8 - statuses.filter((s) => s === 401).length);
    expect(guesses.find((g) => g.status === 429)?.retryAfter).toMatch(/^[1-9]\d*$/);
    // A valid key from the same address has its own bucket.
    expect((await burst(1, key))[0]!.status).toBe(200);
  });
});
