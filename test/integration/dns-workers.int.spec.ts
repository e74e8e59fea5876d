// The dns service answering from two node:cluster workers that share its port
// (DnsOptions.workers): a create returns only once every worker answers the
// name, a delete only once none does, and a worker that crashes is replaced by
// one that loads the whole view before it answers. The shared UDP socket hands
// a datagram to whichever worker reads first, so each check asks many times,
// and also over TCP on fresh connections, which the cluster deals out to the
// workers in turn.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import { addressesOf, queryDns, rcodeOf } from '@pn/dns-server';
import { MetricsServer } from '@pn/service-kit';
import { DnsListener } from '../../services/dns/src/dns-listener/dns-listener.js';
import { startDns } from '../../services/dns/src/start.js';
import { ZoneProjection } from '../../services/dns/src/zone/zone.projection.js';
import { usePlatform } from '../support/platform.js';

const WORKERS = 2;
const ctx = usePlatform('dns-workers suite', { without: ['dns'] });
let dns: INestMicroservice;
let port = 0;
let key = '';
let net = '';

beforeAll(async () => {
  dns = await startDns({ ...ctx.platform.config, dnsPort: 0 }, { workers: WORKERS });
  port = dns.get(DnsListener).address!.udpPort;
  key = await ctx.newKey();
  net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
}, 60_000);
afterAll(() => dns?.close(), 30_000);

const workers = () => dns.get(DnsListener).workers!;
const ask = (name: string, transport: 'udp' | 'tcp', timeoutMs = 2000) => queryDns({ host: '127.0.0.1', port, name, networkId: net, transport, timeoutMs });

/** Every answer to `name`: 4 per worker over UDP, and one TCP connection per worker, twice round. */
async function answersFromAll(name: string) {
  const udp = await Promise.all(Array.from({ length: 4 * WORKERS }, () => ask(name, 'udp')));
  const tcp = [];
  for (let i = 0; i < 2 * WORKERS; i++) tcp.push(await ask(name, 'tcp'));
  return [...udp, ...tcp];
}

describe('answering workers', () => {
  it('run as separate processes', () => {
    expect(workers().pids()).toHaveLength(WORKERS);
    expect(workers().pids()).not.toContain(process.pid);
  });

  it('all answer a name as soon as its create returns, and none once its delete returns', async () => {
    for (let i = 0; i < 10; i++) {
      const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `w-${i}` } })).body;
      // No retry: every query, to whichever worker, must answer.
      for (const p of await answersFromAll(`w-${i}.vm.internal`)) expect(addressesOf(p)).toEqual([vm.private_ip]);
      expect((await ctx.api('DELETE', `/v1/hosting/vms/${vm.id}`, { key })).status).toBe(204);
      for (const p of await answersFromAll(`w-${i}.vm.internal`)) expect(rcodeOf(p)).toBe('NXDOMAIN');
    }
  }, 60_000);

  it('hold a create until a worker that is slow to take the change has it', async () => {
    const [slow] = workers().pids();
    process.kill(slow!, 'SIGSTOP');
    const resumed = new Promise<void>((resolve) => setTimeout(() => (process.kill(slow!, 'SIGCONT'), resolve()), 500));
    const t0 = performance.now();
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'held' } })).body;

    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    await resumed;
    for (const p of await answersFromAll('held.vm.internal')) expect(addressesOf(p)).toEqual([vm.private_ip]);
    expect(workers().pids()).toContain(slow);
  }, 30_000);

  it('answer SERVFAIL while the view they copy lags past the bound, and again from it once it catches up', async () => {
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'lagging' } })).body;
    const projection = dns.get(ZoneProjection);
    await projection.pause();
    try {
      // A paused view with nothing new to apply is not behind: a zone event it does not follow makes it so.
      await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'lag-maker' } });
      let rcodes: string[] = ['not asked yet'];
      for (let i = 0; i < 100 && !rcodes.every((r) => r === 'SERVFAIL'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        rcodes = (await answersFromAll('lagging.vm.internal')).map(rcodeOf);
      }
      expect(rcodes).toEqual(Array.from({ length: 6 * WORKERS }, () => 'SERVFAIL'));
    } finally {
      await projection.resume();
    }
    let answers: string[][] = [['not asked yet']];
    for (let i = 0; i < 100 && !answers.every((a) => a[0] === vm.private_ip); i++) {
      await new Promise((r) => setTimeout(r, 100));
      answers = (await answersFromAll('lagging.vm.internal')).map(addressesOf);
    }
    expect(answers).toEqual(Array.from({ length: 6 * WORKERS }, () => [vm.private_ip]));
  }, 60_000);

  it('count their answers in the service’s metrics', async () => {
    const url = dns.get(MetricsServer).url!;
    const count = async () => {
      const text = await fetch(url).then((r) => r.text());
      return [...text.matchAll(/^pn_dns_queries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    // Workers report what they answered once a second: let earlier answers arrive first.
    const settle = () => new Promise((r) => setTimeout(r, 1500));
    await settle();
    const before = await count();
    await answersFromAll('nobody.vm.internal');
    await settle();

    expect((await count()) - before).toBe(6 * WORKERS);
  }, 30_000);

  it('replace a crashed worker with one that answers from the whole view, names made while it was down included', async () => {
    const before = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'before-crash' } })).body;
    const [victim, survivor] = workers().pids();
    // Asked without pause during the crash and restart: every answer must be right, never NXDOMAIN from a half-loaded view.
    let asking = true;
    const wrong: string[] = [];
    let asked = 0;
    let answered = 0;
    const asker = (async () => {
      while (asking) {
        const p = await ask('before-crash.vm.internal', asked++ % 2 === 0 ? 'udp' : 'tcp', 300).catch((e: Error) => e);
        // A query the dying worker had read goes unanswered: a loss, not a wrong answer.
        if (p instanceof Error) continue;
        answered++;
        if (addressesOf(p)[0] !== before.private_ip) wrong.push(rcodeOf(p));
      }
    })();
    process.kill(victim!, 'SIGKILL');
    const during = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'during-crash' } })).body;
    for (let i = 0; i < 100 && !(workers().pids().length === WORKERS && !workers().pids().includes(victim!)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(workers().pids()).toHaveLength(WORKERS);
    expect(workers().pids()).toContain(survivor);
    // Listening (it has acknowledged the view) once a change is confirmed by every worker.
    const after = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'after-crash' } })).body;
    await new Promise((r) => setTimeout(r, 300));
    asking = false;
    await asker;

    expect(wrong).toEqual([]);
    expect(answered).toBeGreaterThan(10);
    for (const vm of [before, during, after]) {
      for (const p of await answersFromAll(`${vm.name}.vm.internal`)) expect(addressesOf(p)).toEqual([vm.private_ip]);
    }
  }, 60_000);
});
