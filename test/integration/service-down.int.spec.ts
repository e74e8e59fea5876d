// What the gateway says when a service behind it does not answer: 503 with a
// code, never a hang or an unexplained 500; /healthz names the missing service.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startNats, type StartedNats } from '@pn/test-support';
import { apiClient, startPlatform, type RunningPlatform } from '../support/platform.js';

let nats: StartedNats;
let platform: RunningPlatform;

beforeAll(async () => {
  nats = await startNats();
  console.log(`service-down suite: ${nats.note}`);
  platform = await startPlatform(nats.url, { without: ['ipam'] });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await nats?.stop();
});

it('answers 503 service_unavailable when ipam is down, and /healthz says which service', async () => {
  const api = apiClient(platform.url);
  const account = await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'acme' } });
  const create = await api('POST', '/v1/hosting/vms', { key: account.body.api_key, body: { name: 'web' } });
  expect(create.status).toBe(503);
  expect(create.body.error.code).toBe('service_unavailable');
  expect(create.body.error.message).toContain('ipam');
  const health = await api('GET', '/healthz');
  expect(health.status).toBe(503);
  expect(health.body).toEqual({ status: 'degraded', services: { resources: 'ok', ipam: 'service_unavailable', dns: 'ok', billing: 'ok' } });
});

it('shapes unknown routes like every other error', async () => {
  const api = apiClient(platform.url);
  const { status, body } = await api('GET', '/v1/nothing-here');
  expect(status).toBe(404);
  expect(body.error.code).toBe('not_found');
});
