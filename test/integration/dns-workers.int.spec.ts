// The dns service answering from two node:cluster workers that share its port
// (DnsOptions.workers): a create returns only once every worker answers the
// name, a delete only once none does, and a worker that crashes is replaced by
// one that loads the whole view before it answers. The shared UDP socket hands
// a datagram to whichever worker reads first, so each check asks many times,
// and also over TCP on fresh connections, which the cluster deals out to the
// workers in turn.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import type { INestMicroservice } from '@nestjs/common';
import { addressesOf, encodeDnsQuery, queryDns, rcodeOf } from '@pn/dns-server';
import { MetricsServer } from '@pn/service-kit';
import { DnsListener } from '../../services/dns/src/dns-listener/dns-listener.js';
import { DnsWorkers } from '../../services/dns/src/dns-listener/dns-workers.js';
import { zoneViewProjection } from '../../services/dns/src/zone/zone-view.projection.js';
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
  dns = await startDns({ ...ctx.platform.configAs('dns'), dnsPort: 0 }, { workers: WORKERS });
  port = dns.get(DnsListener).address!.udpPort;
  key = await ctx.newKey();
  net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
}, 60_000);
// Closed while NATS still runs: closed after it, its connections would go on
// reconnecting and keep jest from exiting.
ctx.beforeStop(async () => dns?.close());

const workers = () => dns.get(DnsListener).workers!;
const ask = (name: string, transport: 'udp' | 'tcp', timeoutMs = 2000) => queryDns({ host: '127.0.0.1', port, name, networkId: net, transport, timeoutMs });

/** Every answer to `name`: 4 per worker over UDP, and one TCP connection per worker, twice round. */
async function answersFromAll(name: string) {
  const udp = await Promise.all(Array.from({ length: 4 * WORKERS }, () => ask(name, 'udp')));
  const tcp = [];
  for (let i = 0; i < 2 * WORKERS; i++) tcp.push(await ask(name, 'tcp'));
  return [...udp, ...tcp];
}

/** Asks `name` `times` over UDP from another process, while this one (the workers' primary) is blocked throughout. */
function askWhileBlocked(name: string, afterMs: number, times: number): number[] {
  const queries = Array.from({ length: times }, (_, i) => encodeDnsQuery({ id: i + 1, name, networkId: net }).toString('hex'));
  const script = `
    const dgram = require('node:dgram');
    const [port, afterMs, ...queries] = process.argv.slice(1);
    const rcodes = [];
    const socket = dgram.createSocket('udp4');
    socket.on('message', (m) => { rcodes.push(m[3] & 0x0f); if (rcodes.length === queries.length) done(); });
    const done = () => { process.stdout.write(JSON.stringify(rcodes)); process.exit(0); };
    setTimeout(() => {
      for (const q of queries) socket.send(Buffer.from(q, 'hex'), Number(port), '127.0.0.1');
      setTimeout(done, 1000);
    }, Number(afterMs));`;
  const child = spawnSync(process.execPath, ['-e', script, String(port), String(afterMs), ...queries], { encoding: 'utf8', timeout: afterMs + 10_000 });
  return JSON.parse(child.stdout) as number[];
}

const SERVFAIL = 2;

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

  it('answer SERVFAIL once this process (their primary) hangs past the bound, and keep running through the stall', async () => {
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'hung-primary' } })).body;
    for (const p of await answersFromAll('hung-primary.vm.internal')) expect(addressesOf(p)).toEqual([vm.private_ip]);
    const before = workers().pids();
    // A change left unacknowledged as the primary stalls: its acks arrive, unread, during the stall.
    workers().applied('zone-stall-test', [], 0);
    // spawnSync blocks this process (the primary): no change, no lag, nothing at all reaches the workers.
    const rcodes = askWhileBlocked('hung-primary.vm.internal', ctx.platform.config.projectionMaxLagMs + 500, 4 * WORKERS);

    expect(rcodes).toEqual(Array.from({ length: 4 * WORKERS }, () => SERVFAIL));
    // A stall of the primary is no worker's lag: none is replaced for it.
    await new Promise((r) => setTimeout(r, 500));
    expect(workers().pids()).toEqual(before);
    for (const p of await answersFromAll('hung-primary.vm.internal')) expect(addressesOf(p)).toEqual([vm.private_ip]);
  }, 30_000);

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

  it('survive a change sent to a worker that died before this process noticed', async () => {
    const [victim] = workers().pids();
    process.kill(victim!, 'SIGKILL');
    // Busy, so the worker's exit is not read before the send: the send fails (EPIPE) instead.
    const until = performance.now() + 50;
    while (performance.now() < until);
    workers().applied('zone-epipe-test', [], 0);
    for (let i = 0; i < 100 && !(workers().pids().length === WORKERS && !workers().pids().includes(victim!)); i++) await new Promise((r) => setTimeout(r, 100));

    expect(workers().pids()).toHaveLength(WORKERS);
    expect(workers().pids()).not.toContain(victim);
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

  // Last: it stops the workers.
  it('send the answers they made since their last tally as they stop', async () => {
    const url = dns.get(MetricsServer).url!;
    const count = async () => {
      const text = await fetch(url).then((r) => r.text());
      return [...text.matchAll(/^pn_dns_queries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    await new Promise((r) => setTimeout(r, 1500));
    const before = await count();
    await answersFromAll('nobody.vm.internal');
    // At once, before the next tally a second later.
    await workers().stop();

    expect((await count()) - before).toBe(6 * WORKERS);
  }, 30_000);
});

describe('answering workers stopping', () => {
  const standalone = (errors: string[], stopGraceMs?: number) =>
    new DnsWorkers({
      count: 1,
      server: { host: '127.0.0.1', port: 0, ttlSeconds: 5, negativeTtlSeconds: 1, forwarderSecret: null },
      view: { snapshot: () => zoneViewProjection.toJson(zoneViewProjection.initialState()), behindSince: () => null },
      maxLagMs: 2000,
      onError: (error) => void errors.push(String(error)),
      ...(stopGraceMs === undefined ? {} : { stopGraceMs }),
    });

  it('kill a worker that does not finish within the grace period', async () => {
    const errors: string[] = [];
    const pool = standalone(errors, 1000);
    await pool.start();
    const [pid] = pool.pids();
    process.kill(pid!, 'SIGSTOP');
    const t0 = performance.now();
    await pool.stop();

    expect(performance.now() - t0).toBeLessThan(3000);
    expect(() => process.kill(pid!, 0)).toThrow();
  }, 15_000);

  it('say nothing of a replacement that exits before listening because it is stopped', async () => {
    const errors: string[] = [];
    const pool = standalone(errors);
    await pool.start();
    const [pid] = pool.pids();
    process.kill(pid!, 'SIGKILL');
    // The replacement is forked (it is listed at once) and still loading when stop() comes.
    for (let i = 0; i < 200 && !(pool.pids().length === 1 && pool.pids()[0] !== pid); i++) await new Promise((r) => setTimeout(r, 5));
    expect(pool.pids()).toHaveLength(1);
    await pool.stop();

    expect(errors.filter((e) => e.includes('before listening'))).toEqual([]);
  }, 15_000);
});
