// Live events for agents: an agent waits for its VM to be `running` on
// GET /v1/hosting/events instead of polling; one that was away resumes with
// Last-Event-ID and gets what it missed; another account sees nothing.
import { describe, expect, it } from '@jest/globals';
import { startGateway } from '../../services/gateway/src/start.js';
import { usePlatform } from '../support/platform.js';
import { openEvents, type SseStream } from '../support/sse.js';

const ctx = usePlatform('live events');
const streams: SseStream[] = [];
ctx.beforeStop(async () => streams.forEach((s) => s.close()));

const open = async (key: string, query = '', headers: Record<string, string> = {}) => {
  const stream = await openEvents(`${ctx.platform.url}/v1/hosting/events${query}`, key, headers);
  streams.push(stream);
  return stream;
};

describe('live events', () => {
  it('lets an agent wait for running, resume with Last-Event-ID, and keeps other accounts out', async () => {
    const key = await ctx.newKey('watcher');
    const otherKey = await ctx.newKey('bystander');
    const events = await open(key, '?project=default');
    const other = await open(otherKey);
    expect(events.status).toBe(200);

    // The agent asks for a VM and waits on the stream, not on GET polling.
    const creating = ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'waited-for' } });
    const created = await events.next((f) => f.data?.type === 'resource.created' && f.data.name === 'waited-for');
    expect(created.data).toMatchObject({ kind: 'vm', project: 'default', status: 'provisioning' });
    const id = created.data.resource_id as string;
    const running = await events.next((f) => f.data?.type === 'resource.running' && f.data.resource_id === id);
    expect(running.data.status).toBe('running');
    expect(BigInt(running.id!)).toBeGreaterThan(BigInt(created.id!));
    expect((await creating).body.id).toBe(id);
    expect(events.frames.find((f) => f.data?.type === 'resource.private_address' && f.data.resource_id === id)?.data.private_ip).toMatch(/^10\./);

    // Away: the VM is stopped and a port opened while the agent is not listening.
    events.close();
    expect((await ctx.api('POST', `/v1/hosting/vms/${id}/stop`, { key })).status).toBe(200);
    expect((await ctx.api('POST', `/v1/hosting/vms/${id}/ports`, { key, body: { port: 8080, protocol: 'http' } })).status).toBe(200);
    const resumed = await open(key, '', { 'last-event-id': running.id! });
    const stopped = await resumed.next((f) => f.data?.type === 'resource.stopped' && f.data.resource_id === id);
    const publicIp = await resumed.next((f) => f.data?.type === 'resource.public_address' && f.data.resource_id === id);
    expect(publicIp.data.public_ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // Nothing it had already seen comes again, and the replay keeps the store's order.
    expect(resumed.frames.every((f) => f.id === undefined || BigInt(f.id) > BigInt(running.id!))).toBe(true);
    expect(BigInt(publicIp.id!)).toBeGreaterThan(BigInt(stopped.id!));
    // Live again after the replay.
    await ctx.api('POST', `/v1/hosting/vms/${id}/start`, { key });
    await resumed.next((f) => f.data?.type === 'resource.running' && BigInt(f.id!) > BigInt(publicIp.id!));

    // The other account, connected all along, heard none of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(other.status).toBe(200);
    expect(other.frames).toEqual([]);
  });

  it('ends every stream of a key the moment it is revoked; a stream of another live key keeps delivering', async () => {
    const key = await ctx.newKey('revoker');
    const second = await ctx.api('POST', '/v1/hosting/api-keys', { key, body: { name: 'watcher', scope: 'read' } });
    expect(second.status).toBe(201);
    const doomed = [await open(second.body.api_key), await open(second.body.api_key, '?project=default')];
    const kept = await open(key);
    expect([...doomed, kept].map((s) => s.status)).toEqual([200, 200, 200]);
    // Both are live before the revocation (positive control for what follows).
    await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'before-revoke' } });
    for (const s of [...doomed, kept]) await s.next((f) => f.data?.type === 'resource.created' && f.data.name === 'before-revoke');

    const started = performance.now();
    expect((await ctx.api('DELETE', `/v1/hosting/api-keys/${second.body.id}`, { key })).status).toBe(204);
    const timeout = new Promise<string>((r) => setTimeout(() => r('still open'), 2_000));
    for (const s of doomed) expect(await Promise.race([s.ended.then(() => 'ended'), timeout])).toBe('ended');
    expect(performance.now() - started).toBeLessThan(2_000);

    await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'after-revoke' } });
    await kept.next((f) => f.data?.type === 'resource.created' && f.data.name === 'after-revoke');
    for (const s of doomed) expect(s.frames.some((f) => f.data?.name === 'after-revoke')).toBe(false);
  });

  it('ends a stream on another gateway instance when its key is revoked through the first, within the lag bound', async () => {
    const other = await startGateway(ctx.platform.configAs('gateway'));
    // Closed here, its streams first, not in the suite's teardown (which has 5 s for the whole platform).
    const onOther: SseStream[] = [];
    try {
      const otherUrl = (await other.getUrl()).replace('[::1]', '127.0.0.1');
      const key = await ctx.newKey('two-gateways');
      const second = await ctx.api('POST', '/v1/hosting/api-keys', { key, body: { name: 'elsewhere', scope: 'read' } });
      const openOn = async (apiKey: string) => {
        const stream = await openEvents(`${otherUrl}/v1/hosting/events`, apiKey);
        onOther.push(stream);
        return stream;
      };
      const doomed = await openOn(second.body.api_key);
      const kept = await openOn(key);
      expect([doomed.status, kept.status]).toEqual([200, 200]);
      await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'seen-elsewhere' } });
      for (const s of [doomed, kept]) await s.next((f) => f.data?.name === 'seen-elsewhere');

      expect((await ctx.api('DELETE', `/v1/hosting/api-keys/${second.body.id}`, { key })).status).toBe(204);
      // The key index's lag bound (PROJECTION_MAX_LAG_MS, 2 s) plus a margin for a loaded machine.
      const timeout = new Promise<string>((r) => setTimeout(() => r('still open'), 3_000));
      expect(await Promise.race([doomed.ended.then(() => 'ended'), timeout])).toBe('ended');
      await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'still-seen-elsewhere' } });
      await kept.next((f) => f.data?.name === 'still-seen-elsewhere');
    } finally {
      onOther.forEach((s) => s.close());
      await other.close();
    }
  }, 20_000);

  it('answers a Last-Event-ID beyond the newest event with reset, then delivers live events', async () => {
    const key = await ctx.newKey('from-the-future');
    const ahead = await open(key, '', { 'last-event-id': '99999999999' });
    expect(ahead.status).toBe(200);
    const reset = await ahead.next((f) => f.event === 'reset', 3_000);
    expect(reset.data.reason).toEqual(expect.any(String));
    // Its id is the head, so a reconnect resumes from there rather than from the stale id again.
    expect(BigInt(reset.id!)).toBeLessThan(99999999999n);
    // Live again: the stream does not stay silent for ever.
    await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'after-reset' } });
    await ahead.next((f) => f.data?.type === 'resource.created' && f.data.name === 'after-reset');
  });

  it('answers 404 naming project for a project the account does not have; its own projects stream', async () => {
    const key = await ctx.newKey('projects');
    const missing = await fetch(`${ctx.platform.url}/v1/hosting/events?project=nosuch`, { headers: { 'x-api-key': key } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error).toMatchObject({ code: 'not_found', field: 'project' });
    expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'staging' } })).status).toBe(201);
    expect((await open(key, '?project=staging')).status).toBe(200);
    expect((await open(key, '?project=default')).status).toBe(200);
  });

  it('refuses a missing key and a Last-Event-ID it did not hand out', async () => {
    expect((await fetch(`${ctx.platform.url}/v1/hosting/events`)).status).toBe(401);
    const key = await ctx.newKey();
    const bad = await fetch(`${ctx.platform.url}/v1/hosting/events`, { headers: { 'x-api-key': key, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
  });
});
