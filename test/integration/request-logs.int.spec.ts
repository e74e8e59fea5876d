// Logs you can follow: every service as its own process at LOG_LEVEL=debug,
// one create sent with an X-Request-Id, and that id found in the JSON logs of
// every service the create touched — the gateway's access line and the bus
// lines of resources, ipam and dns. Needs the services built (`npm test` builds first).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { busNames, loadConfig } from '@pn/service-kit';
import { startSecuredNats, uniqueId, type SecuredNats } from '@pn/test-support';
import { runStreams } from '../support/service-env.js';
import { startPlatformProcesses, type PlatformProcesses } from '../support/processes.js';

let nats: SecuredNats;
let platform: PlatformProcesses;

beforeAll(async () => {
  const run = uniqueId('run');
  nats = await startSecuredNats(busNames(loadConfig(runStreams(run))));
  console.log(`request logs: ${nats.note}`);
  platform = await startPlatformProcesses(nats.url, {
    logLevel: 'debug',
    captureStdout: true,
    rateLimits: 'default',
    run,
    credentials: nats.credentials,
    admin: nats.connectOptions('admin'),
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await nats?.stop();
});

/** The JSON lines of a service's stdout that carry `requestId`. */
const linesOf = (service: string, requestId: string): Array<Record<string, unknown>> =>
  platform
    .stdoutOf!(service)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.request_id === requestId);

describe('logs you can follow', () => {
  it('finds one create’s request id in the logs of the gateway, resources, ipam and dns', async () => {
    const account = await fetch(`${platform.url}/v1/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'followed' }),
    });
    const { api_key: key } = (await account.json()) as { api_key: string };
    const requestId = 'follow-me-0001';
    const created = await fetch(`${platform.url}/v1/hosting/vms`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'x-request-id': requestId, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'followed-vm' }),
    });
    expect(created.status).toBe(201);

    // Lines reach the pipe a moment after the answer; give them up to 5 s.
    const services = ['gateway', 'resources', 'ipam', 'dns'];
    for (let i = 0; i < 50 && services.some((s) => linesOf(s, requestId).length === 0); i++) await new Promise((r) => setTimeout(r, 100));

    expect(linesOf('gateway', requestId)).toContainEqual(
      expect.objectContaining({ msg: 'http request', method: 'POST', route: '/v1/hosting/vms', status: 201, ms: expect.any(Number), service: 'gateway' }),
    );
    for (const service of ['resources', 'ipam', 'dns']) {
      expect(linesOf(service, requestId)).toContainEqual(
        expect.objectContaining({ msg: 'bus request', subject: expect.any(String), outcome: 'ok', ms: expect.any(Number), service, level: 20 }),
      );
    }
  });
});
