// A request can be followed: its id (the client's X-Request-Id, or one made
// up) comes back in the answer and in error bodies, and reaches the events
// it causes in every service, as their correlation id.
import { describe, expect, it } from '@jest/globals';
import { createJetStreamEventStore } from '@pn/event-store';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('request-ids');

async function call(path: string, init: { method?: string; key?: string; body?: unknown; requestId?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key) headers['x-api-key'] = init.key;
  if (init.requestId) headers['x-request-id'] = init.requestId;
  const response = await fetch(`${ctx.platform.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json().catch(() => undefined)) as any };
}

describe('request ids', () => {
  it('returns the client’s request id, and carries it into the events the request caused in every service', async () => {
    const key = await ctx.newKey();
    const created = await call('/v1/hosting/vms', { method: 'POST', key, body: { name: 'traced' }, requestId: 'trace-0001' });
    expect(created.status).toBe(201);
    expect(created.requestId).toBe('trace-0001');

    const store = await createJetStreamEventStore(ctx.nats.connectOptions('admin'), {
      stream: ctx.platform.config.eventStream,
      subjectPrefix: ctx.platform.config.eventSubjectPrefix,
    });
    try {
      const resource = await store.read(`resource-${created.body.id}`);
      const topology = await call('/v1/hosting/network/topology', { key });
      const network = await store.read(`network-${topology.body.network_id}`);
      const zone = await store.read(`zone-${topology.body.network_id}`);
      // resources, ipam and dns each recorded what this request asked of them, naming it.
      for (const event of [...resource, ...network, ...zone]) {
        expect(event.metadata.correlation_id).toBe('trace-0001');
        expect(event.metadata.causation_id).toBeTruthy();
      }
      expect(network.length).toBeGreaterThan(0);
      expect(zone.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('makes one up when the client sends none or an unusable one, and puts it in error bodies', async () => {
    const plain = await call('/v1/hosting/vms/vm_01j9nosuchvm0000000000000');
    expect(plain.status).toBe(401);
    expect(plain.requestId).toMatch(/^[0-9a-z]{26}$/);
    expect(plain.body.error.request_id).toBe(plain.requestId);
    const forged = await call('/v1/hosting/vms', { requestId: 'two words; and\tmore' });
    expect(forged.requestId).toMatch(/^[0-9a-z]{26}$/);
  });
});
