// Two dns instances: a create returns only once both answer the new name, and
// a delete only once neither does, whichever instance handled the request,
// also when one of them is behind (its view paused) when the change arrives.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import { addressesOf, queryDns, rcodeOf } from '@pn/dns-server';
import { DnsListener } from '../../services/dns/src/dns-listener/dns-listener.js';
import { DnsFleet } from '../../services/dns/src/fleet/dns-fleet.js';
import { startDns } from '../../services/dns/src/start.js';
import { ZoneProjection } from '../../services/dns/src/zone/zone.projection.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('dns-fleet suite');
let second: INestMicroservice;
let ports: number[] = [];
let key = '';
let net = '';

beforeAll(async () => {
  second = await startDns({ ...ctx.platform.configAs('dns'), dnsPort: 0 });
  ports = [ctx.platform.dnsPort, second.get(DnsListener).address!.udpPort];
  key = await ctx.newKey();
  net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
  // Both know of each other from their heartbeats.
  for (let i = 0; i < 50 && second.get(DnsFleet).liveInstances() < 2; i++) await new Promise((r) => setTimeout(r, 100));
}, 30_000);
let closed = false;
afterAll(async () => {
  if (!closed) await second?.close();
}, 30_000);

const answers = (name: string) =>
  Promise.all(ports.map((port) => queryDns({ host: '127.0.0.1', port, name, networkId: net, transport: 'udp', timeoutMs: 2000 })));

describe('two dns instances', () => {
  it('know of each other', () => {
    expect(ctx.platform.dnsApp!.get(DnsFleet).liveInstances()).toBe(2);
    expect(second.get(DnsFleet).liveInstances()).toBe(2);
  });

  it('both answer a name as soon as its create returns, and neither once its delete returns', async () => {
    for (let i = 0; i < 20; i++) {
      const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `both-${i}` } })).body;
      // No retry: the first query to each instance must answer.
      for (const p of await answers(`both-${i}.vm.internal`)) expect(addressesOf(p)).toEqual([vm.private_ip]);
      expect((await ctx.api('DELETE', `/v1/hosting/vms/${vm.id}`, { key })).status).toBe(204);
      for (const p of await answers(`both-${i}.vm.internal`)) expect(rcodeOf(p)).toBe('NXDOMAIN');
    }
  }, 30_000);

  it('wait for an instance that is behind, whichever handles the request', async () => {
    const behind = second.get(ZoneProjection);
    for (let i = 0; i < 4; i++) {
      await behind.pause();
      const resumed = new Promise<void>((resolve) => setTimeout(() => void behind.resume().then(resolve), 400));
      const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `late-${i}` } })).body;
      for (const p of await answers(`late-${i}.vm.internal`)) expect(addressesOf(p)).toEqual([vm.private_ip]);
      await resumed;

      await behind.pause();
      const resumedAgain = new Promise<void>((resolve) => setTimeout(() => void behind.resume().then(resolve), 400));
      expect((await ctx.api('DELETE', `/v1/hosting/vms/${vm.id}`, { key })).status).toBe(204);
      for (const p of await answers(`late-${i}.vm.internal`)) expect(rcodeOf(p)).toBe('NXDOMAIN');
      await resumedAgain;
    }
  }, 30_000);

  it('stop waiting for an instance that has left', async () => {
    await second.close();
    closed = true;
    ports = [ctx.platform.dnsPort];
    const t0 = performance.now();
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'alone' } })).body;

    expect(performance.now() - t0).toBeLessThan(1000);
    expect(addressesOf((await answers('alone.vm.internal'))[0]!)).toEqual([vm.private_ip]);
    expect(ctx.platform.dnsApp!.get(DnsFleet).liveInstances()).toBe(1);
  });
});
