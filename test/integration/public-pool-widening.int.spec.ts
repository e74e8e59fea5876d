// Widening the public pool (issue 18.1): ipam hands out public addresses from
// a /30, then an ipam started with a wider PUBLIC_IP_POOL that contains it
// must never hand out an address leased under the narrower one while it is
// leased, and hands out the others (the positive control).
import { describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import { createJetStreamEventStore } from '@pn/event-store';
import { legacyPublicPoolStreamId, publicPoolDecider, publicPoolEventCodec } from '@pn/ipam-domain';
import { PublicPoolController } from '../../services/ipam/src/public-pool/public-pool.controller.js';
import { startIpam } from '../../services/ipam/src/start.js';
import { usePlatform } from '../support/platform.js';

const NARROW = '198.51.100.4/30'; // hosts .5 and .6
const WIDE = '198.51.100.0/29'; // hosts .1 to .6

describe('public pool widened from a /30 to a /29', () => {
  const ctx = usePlatform('public-pool-widening suite', { without: ['ipam'], env: { PUBLIC_IP_POOL: NARROW } });

  it('never hands out an address leased under the narrower pool, and hands out the others', async () => {
    const { api } = ctx;
    const key = await ctx.newKey();
    const vm = async (name: string) => {
      const created = await api('POST', '/v1/hosting/vms', { key, body: { name, image: 'nodejs-24' } });
      expect(created.status).toBe(201);
      return created.body as { id: string; public_ip: string };
    };

    // Only the narrow instance runs: the first VM leases the pool's lowest address.
    const narrow: INestMicroservice = await startIpam(ctx.platform.configAs('ipam'));
    const first = await vm('first');
    expect(first.public_ip).toBe('198.51.100.5');
    await narrow.close();

    // Only the wide instance runs: it hands out the other five, never .5.
    const wide: INestMicroservice = await startIpam({ ...ctx.platform.configAs('ipam'), publicIpPool: WIDE });
    ctx.beforeStop(() => wide.close());
    const others: string[] = [];
    for (let i = 0; i < 5; i++) others.push((await vm(`wide-${i}`)).public_ip);
    expect(others).not.toContain(first.public_ip);
    expect([...others].sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.6']);

    // The first VM still holds its address: the wide pool is full, not handing it out.
    const full = await api('POST', '/v1/hosting/vms', { key, body: { name: 'one-too-many', image: 'nodejs-24' } });
    expect(JSON.stringify(full.body)).not.toContain(first.public_ip);
    expect((await api('GET', `/v1/hosting/vms/${first.id}`, { key })).body.public_ip).toBe(first.public_ip);

    // The /30 was absorbed: the pool is one range, which cannot leave while it has leases; another range comes and goes.
    const pool = wide.get(PublicPoolController);
    const refusal = (call: Promise<unknown>) => call.then(() => 'accepted', (error: unknown) => JSON.stringify((error as { getError?: () => unknown }).getError?.() ?? String(error)));
    expect(await refusal(pool.removeRange({ cidr: WIDE } as never))).toContain('public_range_in_use');
    expect(await refusal(pool.removeRange({ cidr: NARROW } as never))).toContain('not_found');
    expect((await pool.addRange({ cidr: '192.0.2.0/30' } as never)).ranges).toEqual(['192.0.2.0/30', WIDE]);
    expect((await pool.removeRange({ cidr: '192.0.2.0/30' } as never)).ranges).toEqual([WIDE]);
  }, 60_000);
});

describe('an old per-CIDR stream of an existing deployment', () => {
  const ctx = usePlatform('public-pool-widening suite (old stream)', { without: ['ipam'], env: { PUBLIC_IP_POOL: NARROW } });

  it('is carried into the pool at boot: its lease holds against a wider pool', async () => {
    // As an ipam of before the one pool left it: .5 leased on `publicpool-198_51_100_4-30`.
    const store = await createJetStreamEventStore(ctx.nats.connectOptions('admin'), { stream: ctx.platform.config.eventStream, subjectPrefix: ctx.platform.config.eventSubjectPrefix });
    try {
      const old = publicPoolDecider.decide({ type: 'AllocatePublicAddress', pool: NARROW, leaseId: 'old-lease', resourceId: 'vm_old', now: new Date() }, publicPoolDecider.initialState());
      const leased = old.filter((e) => e.type === 'PublicAddressAllocated');
      expect(leased.map((e) => e.data.ip)).toEqual(['198.51.100.5']);
      await store.append(legacyPublicPoolStreamId(NARROW), leased.map((e) => publicPoolEventCodec.encode(e)), 'no_stream');
    } finally {
      await store.close();
    }

    // Booted once with the old value (carries the old stream), then widened.
    const narrow: INestMicroservice = await startIpam(ctx.platform.configAs('ipam'));
    await narrow.close();
    const wide: INestMicroservice = await startIpam({ ...ctx.platform.configAs('ipam'), publicIpPool: WIDE });
    ctx.beforeStop(() => wide.close());
    const key = await ctx.newKey();
    const ips: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `vm-${i}`, image: 'nodejs-24' } });
      expect(created.status).toBe(201);
      ips.push(created.body.public_ip);
    }
    expect([...ips].sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.6']);
  }, 60_000);
});
