// When a service behind the gateway does not answer: a create waits for it
// (202, `provisioning`) and completes once it is back, so no request is lost;
// a call that cannot wait is a 503 with a code, never a hang or a bare 500.
import { describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import type { PlatformConfig } from '@pn/service-kit';
import { startDns } from '../../services/dns/src/start.js';
import { startIpam } from '../../services/ipam/src/start.js';
import { usePlatform, type PlatformContext } from '../support/platform.js';

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a service that was down; it stops with the suite's platform. */
function lateStart(ctx: PlatformContext) {
  return async (role: 'ipam' | 'dns', start: (config: PlatformConfig) => Promise<INestMicroservice>) => {
    const app = await start(ctx.platform.configAs(role));
    ctx.beforeStop(() => app.close());
  };
}

const retryFast = { PROVISION_RETRY_MS: '200' };

describe('ipam down when a create arrives', () => {
  const ctx = usePlatform('service-down suite (ipam)', { without: ['ipam'], env: retryFast });
  const late = lateStart(ctx);

  it('keeps the VM provisioning, reports ipam on /healthz, and completes it once ipam is back', async () => {
    const { api } = ctx;
    const key = await ctx.newKey();
    const create = await api('POST', '/v1/hosting/vms', { key, body: { name: 'web' } });
    expect(create.status).toBe(202);
    expect(create.body).toMatchObject({ status: 'provisioning', private_ip: null });

    const health = await api('GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', services: { resources: 'ok', ipam: 'service_unavailable', dns: 'ok', billing: 'ok' } });

    await late('ipam', startIpam);
    const vm = await eventually(
      () => api('GET', `/v1/hosting/vms/${create.body.id}`, { key }),
      (r) => r.body.status === 'running',
    );
    expect(vm.body).toMatchObject({ status: 'running', private_ip: '10.0.1.1' });
    const resolved = await api('GET', '/v1/hosting/network/resolve?name=web.vm.internal', { key });
    expect(resolved.body.addresses).toEqual(['10.0.1.1']);
  });
});

describe('dns down when a create arrives', () => {
  const ctx = usePlatform('service-down suite (dns)', { without: ['dns'], env: retryFast });
  const late = lateStart(ctx);

  it('keeps the address it took, and becomes available with its names once dns is back', async () => {
    const { api } = ctx;
    const key = await ctx.newKey();
    const create = await api('POST', '/v1/hosting/databases', { key, body: { name: 'pg' } });
    expect(create.status).toBe(202);
    expect(create.body).toMatchObject({ status: 'provisioning', private_ip: '10.0.2.1' });

    await late('dns', startDns);
    const db = await eventually(
      () => api('GET', `/v1/hosting/databases/${create.body.id}`, { key }),
      (r) => r.body.status === 'available',
    );
    expect(db.body).toMatchObject({ status: 'available', private_ip: '10.0.2.1', private_host: 'pg.internal' });
    expect((await api('GET', '/v1/hosting/network/resolve?name=pg.internal', { key })).body.addresses).toEqual(['10.0.2.1']);
  });
});

describe('ipam down when a create and its delete arrive', () => {
  const ctx = usePlatform('service-down suite (delete)', { without: ['ipam'], env: retryFast });
  const late = lateStart(ctx);

  it('finishes the delete once ipam is back, and the deleted VM never takes an address', async () => {
    const { api } = ctx;
    const key = await ctx.newKey();
    const create = await api('POST', '/v1/hosting/vms', { key, body: { name: 'short-lived' } });
    expect(create.status).toBe(202);
    const del = await api('DELETE', `/v1/hosting/vms/${create.body.id}`, { key });
    expect(del.status).toBe(202);
    expect(del.body.status).toBe('deleting');

    await late('ipam', startIpam);
    const gone = await eventually(
      () => api('GET', `/v1/hosting/vms/${create.body.id}`, { key }),
      (r) => r.status === 404,
    );
    expect(gone.status).toBe(404);
    // The address it would have had is free: the next VM of the network gets it.
    expect((await api('POST', '/v1/hosting/vms', { key, body: { name: 'next' } })).body.private_ip).toBe('10.0.1.1');
    const resolved = await api('GET', '/v1/hosting/network/resolve?name=short-lived', { key });
    expect(resolved.body.rcode).toBe('NXDOMAIN');
  });
});

describe('resources down', () => {
  const ctx = usePlatform('service-down suite (resources)', { without: ['resources'] });

  it('answers 503 service_unavailable naming what did not answer', async () => {
    const create = await ctx.api('POST', '/v1/hosting/vms', { key: await ctx.newKey(), body: { name: 'web' } });
    expect(create.status).toBe(503);
    expect(create.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('resources') });
  });

  it('shapes unknown routes like every other error', async () => {
    const { status, body } = await ctx.api('GET', '/v1/nothing-here');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });
});
