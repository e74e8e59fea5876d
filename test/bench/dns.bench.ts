// bench/dns: the headline figures of internal DNS. Run with `npm run bench:dns`.
//   1. Create to resolvable: a VM is created through the gateway, then its
//      name is asked of the DNS server until it answers with the VM's address.
//   2. Queries per second and latency of the DNS server (one per network
//      view, UDP, 90% names that exist, 10% that do not), with every service
//      in its own process and the load from this process.
import { afterAll, beforeAll, it } from '@jest/globals';
import { addressesOf, queryDns } from '@pn/dns-server';
import { startNats, type StartedNats } from '@pn/test-support';
import { startPlatformProcesses, type PlatformProcesses } from '../support/processes.js';
import { dnsLoad } from './dns-load.js';
import { jsonPoster } from './http-client.js';
import { printTable } from './table.js';

const TIMED_CREATES = Number(process.env.BENCH_TIMED_CREATES ?? 200);
const NAMED_VMS = Number(process.env.BENCH_NAMED_VMS ?? 1000);
const LOAD_SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 5);

let nats: StartedNats;
let platform: PlatformProcesses;

beforeAll(async () => {
  nats = await startNats();
  process.stdout.write(`bench/dns: ${nats.note}\n`);
  platform = await startPlatformProcesses(nats.url);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await nats?.stop();
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted.at(-1)! };
};

it('measures create-to-resolvable and queries per second', async () => {
  const post = jsonPoster(platform.url, 32);
  const account = JSON.parse((await post('/v1/admin/accounts', { name: 'bench' }, { authorization: `Bearer ${platform.adminToken}` })).body);
  const key = { 'x-api-key': account.api_key as string };
  const topology = (await fetch(`${platform.url}/v1/hosting/network/topology`, { headers: key }).then((r) => r.json())) as { network_id: string };
  const networkId = topology.network_id;

  // 1. One VM at a time: from the create request to the first answer with its address.
  const createMs: number[] = [];
  const resolvableMs: number[] = [];
  let attemptsBeyondFirst = 0;
  for (let i = 0; i < TIMED_CREATES; i++) {
    const t0 = performance.now();
    const vm = JSON.parse((await post('/v1/hosting/vms', { name: `timed-${i}` }, key)).body);
    createMs.push(performance.now() - t0);
    for (;;) {
      const answer = await queryDns({ host: '127.0.0.1', port: platform.dnsPort, name: `timed-${i}.vm.internal`, networkId, transport: 'udp', timeoutMs: 1000 });
      if (addressesOf(answer)[0] === vm.private_ip) break;
      attemptsBeyondFirst++;
    }
    resolvableMs.push(performance.now() - t0);
  }
  const created = summary(createMs);
  const resolvable = summary(resolvableMs);
  printTable(`Create to resolvable (${TIMED_CREATES} VMs, one at a time, ms)`, [
    { measure: 'create answered (HTTP 201)', ...created },
    { measure: 'name answers with the address', ...resolvable },
  ]);
  process.stdout.write(`queries that had to be repeated before the name answered: ${attemptsBeyondFirst}\n`);

  // 2. More names, then load.
  let next = TIMED_CREATES;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < NAMED_VMS) {
        const i = next++;
        await post('/v1/hosting/vms', { name: `vm-${i}` }, key);
      }
    }),
  );
  const names: string[] = [];
  for (let i = 0; i < NAMED_VMS; i++) {
    const name = i < TIMED_CREATES ? `timed-${i}` : `vm-${i}`;
    names.push(`${name}.vm.internal`, name);
  }
  const misses = Array.from({ length: Math.ceil(names.length / 9) }, (_, i) => `missing-${i}.vm.internal`);
  const rows = [];
  for (const inFlight of [64, 256]) {
    const result = await dnsLoad({ port: platform.dnsPort, networkId, names: [...names, ...misses], inFlight, seconds: LOAD_SECONDS });
    const latency = summary(result.latenciesMs);
    rows.push({
      'in flight': inFlight,
      'queries/s': result.answered / result.seconds,
      'p50 ms': latency.p50,
      'p99 ms': latency.p99,
      NOERROR: result.rcodes.get(0) ?? 0,
      NXDOMAIN: result.rcodes.get(3) ?? 0,
      'other rcodes': [...result.rcodes].filter(([r]) => r !== 0 && r !== 3).reduce((n, [, c]) => n + c, 0),
      lost: result.lost,
    });
  }
  printTable(`DNS server under load (${names.length.toLocaleString('en-US')} names in the view, 90% hits, UDP, ${LOAD_SECONDS} s each)`, rows);
}, 600_000);
