// The event backbone as an operator sees it: readiness reports every read
// model, a DNS view that lags answers SERVFAIL (never a possibly stale
// address) and recovers, and restarting a service resumes its read models
// from their checkpoints with the same answers.
import { describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { queryDns, rcodeOf, addressesOf } from '@pn/dns-server';
import { ZoneProjection } from '../../services/dns/src/zone/zone.projection.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('backbone');

const eventually = async <T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('event backbone', () => {
  it('reports every read model of every service on /readyz, caught up', async () => {
    const ready = await eventually(() => ctx.api('GET', '/readyz'), (r) => r.status === 200);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const names = Object.values(ready.body.services as Record<string, { projections: Array<{ name: string }> }>).flatMap((s) =>
      s.projections.map((p) => p.name),
    );
    expect(names.sort()).toEqual([
      'billing.ownership-feed',
      'billing.placements',
      'billing.usage.v1',
      'dns.zones.v1',
      'gateway.api-keys.v3',
      'resources.dataplane-desired.v1',
      'resources.directory.v1',
      'resources.integration-publisher.v1',
      'resources.projects.v1',
    ]);
    const health = await ctx.api('GET', '/healthz');
    expect(health.body.details.dns.projections[0]).toMatchObject({ name: 'dns.zones.v1', caught_up: true, parked: 0 });
    // No host agent runs beside this platform: /healthz says plainly that nothing is enforced on the wire.
    expect(health.body.data_plane).toEqual({ hosts: [], note: expect.stringContaining('no host agent is running') });
    // What serves its UDP: the batched addon (the build makes it), or dgram with the reason.
    expect(health.body.details.dns.notes).toEqual({ udp: 'batched' });
  });

  it('answers SERVFAIL from a DNS view that lags past the bound, and recovers', async () => {
    const key = await ctx.newKey();
    const vm = await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'lagging' } });
    expect(vm.status).toBe(201);
    const topology = await ctx.api('GET', '/v1/hosting/network/topology', { key });
    const ask = () =>
      queryDns({ host: '127.0.0.1', port: ctx.platform.dnsPort, name: 'lagging.vm.internal', networkId: topology.body.network_id, transport: 'udp', type: 'A', timeoutMs: 2000 });
    expect(addressesOf(await ask())).toEqual([vm.body.private_ip]);

    const zones = ctx.platform.dnsApp!.get(ZoneProjection);
    await zones.pause();
    try {
      // A zone event the view has not applied: another VM's names.
      expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'newer' } })).status).toBe(201);
      const lagging = await eventually(ask, (p) => rcodeOf(p) === 'SERVFAIL', 6000);
      expect(rcodeOf(lagging)).toBe('SERVFAIL');
      const resolve = await ctx.api('GET', '/v1/hosting/network/resolve?name=lagging.vm.internal', { key });
      expect(resolve.body).toMatchObject({ rcode: 'SERVFAIL' });
      expect((await ctx.api('GET', '/readyz')).status).toBe(503);
    } finally {
      await zones.resume();
    }
    const recovered = await eventually(ask, (p) => rcodeOf(p) === 'NOERROR', 6000);
    expect(addressesOf(recovered)).toEqual([vm.body.private_ip]);
    expect((await eventually(() => ctx.api('GET', '/readyz'), (r) => r.status === 200)).status).toBe(200);
  });

  it('publishes who held a private address from when to when, as versioned integration events', async () => {
    const key = await ctx.newKey();
    const vm = await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'billed' } });
    expect((await ctx.api('DELETE', `/v1/hosting/vms/${vm.body.id}`, { key })).status).toBe(204);

    const { integrationStream, integrationSubjectPrefix } = ctx.platform.config;
    const nc = await connect(ctx.nats.connectOptions('admin'));
    try {
      const consumer = await jetstream(nc).consumers.get(integrationStream, { filter_subjects: `${integrationSubjectPrefix}.v1.>` });
      const facts: Array<{ subject: string; schema: string | undefined; body: Record<string, unknown> }> = [];
      const end = Date.now() + 10_000;
      while (facts.filter((f) => f.body.resourceId === vm.body.id).length < 2 && Date.now() < end) {
        const m = await consumer.next({ expires: 1000 });
        if (m) facts.push({ subject: m.subject, schema: m.headers?.get('Pn-Schema'), body: m.json() });
      }
      const mine = facts.filter((f) => f.body.resourceId === vm.body.id);
      expect(mine.map((f) => f.schema)).toEqual(['pn.integration.v1.AddressHeld', 'pn.integration.v1.AddressHoldEnded']);
      const [held, ended] = mine;
      expect(held!.subject).toBe(`${integrationSubjectPrefix}.v1.address_held.${held!.body.networkId}`);
      expect(held!.body).toMatchObject({ scope: 'ADDRESS_SCOPE_PRIVATE', ip: vm.body.private_ip, kind: 'vm', resourceName: 'billed' });
      expect(held!.body.accountId).toMatch(/^acc_/);
      expect(held!.body.projectId).toMatch(/^prj_/);
      expect(ended!.body).toMatchObject({ ip: vm.body.private_ip, accountId: held!.body.accountId, projectId: held!.body.projectId });
      expect(Date.parse(ended!.body.heldUntil as string)).toBeGreaterThanOrEqual(Date.parse(held!.body.heldFrom as string));
    } finally {
      await nc.close();
    }
  });
});
