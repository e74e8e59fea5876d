// bench/ipam: the cost of allocation as a network fills, and creates per
// second end to end. Run with `npm run bench:ipam`.
//   1. A whole /16, one address at a time, through the network decider
//      (decide + evolve, as the ipam service runs them): the first and the
//      last 1,000 allocations, and their ratio (goal <= 1.5).
//   2. VMs created through the gateway over HTTP, the five services each in
//      its own process (from their builds), on a real NATS (goal >= 300
//      creates/s on the 2-core machine).
import { afterAll, beforeAll, it } from '@jest/globals';
import { networkDecider, type NetworkState } from '@pn/ipam-domain';
import { apiClient } from '../support/platform.js';
import { startPlatformProcesses, startSecuredRun, type SecuredRun } from '../support/processes.js';
import { jsonPoster } from './http-client.js';
import { median, quantile } from './stats.js';
import { printTable } from './table.js';

const E2E_CREATES = Number(process.env.BENCH_CREATES ?? 2000);
const E2E_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

let bus: SecuredRun;

beforeAll(async () => {
  // Every service as its role on a NATS secured for the run; each platform below runs on the run's streams in turn.
  bus = await startSecuredRun();
  process.stdout.write(`bench/ipam: ${bus.nats.note}\n`);
}, 120_000);

afterAll(async () => {
  await bus?.nats.stop();
});

// VMs take every block but the other kinds' home blocks; then those fill too.
const WHOLE_NETWORK = [
  ['vm', 252 * 254],
  ['database', 254],
  ['cache', 254],
  ['bucket', 254],
] as const;

/** Fills a network, returning each allocation's time in ns. */
function fillNetwork(): number[] {
  let state: NetworkState = networkDecider.initialState();
  const perAllocationNs: number[] = [];
  const now = new Date();
  let n = 0;
  for (const [kind, count] of WHOLE_NETWORK) {
    for (let i = 0; i < count; i++, n++) {
      const start = process.hrtime.bigint();
      const events = networkDecider.decide({ type: 'AllocateAddress', networkId: 'net_bench', cidr: '10.0.0.0/16', resourceId: `r${n}`, kind, now }, state);
      for (const e of events) state = networkDecider.evolve(state, e);
      perAllocationNs.push(Number(process.hrtime.bigint() - start));
    }
  }
  return perAllocationNs;
}

const FILLS = 5;

it('allocates a whole /16 through the decider', () => {
  fillNetwork(); // once to warm up the JIT, so the first 1,000 are not measured cold
  // The median of several fills, so one garbage collection does not decide the ratio.
  const fills = Array.from({ length: FILLS }, fillNetwork);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const perAllocationNs = fills[0]!;
  const total = perAllocationNs.length;
  const first = median(fills.map((f) => sum(f.slice(0, 1000)))) / 1000;
  const last = median(fills.map((f) => sum(f.slice(-1000)))) / 1000;
  printTable(`Allocating a whole /16 (${total.toLocaleString('en-US')} addresses) through the decider, median of ${FILLS} fills`, [
    { allocations: 'first 1,000', 'mean µs / allocation': first / 1000, 'total ms': (first * 1000) / 1e6 },
    { allocations: 'last 1,000', 'mean µs / allocation': last / 1000, 'total ms': (last * 1000) / 1e6 },
    { allocations: 'all', 'mean µs / allocation': median(fills.map(sum)) / total / 1000, 'total ms': median(fills.map(sum)) / 1e6 },
    { allocations: 'ratio last / first (goal <= 1.5)', 'mean µs / allocation': last / first, 'total ms': '' },
  ]);
  if (total !== 255 * 254) throw new Error(`allocated ${total} addresses, expected ${255 * 254}`);
});

it('creates VMs end to end through the gateway', async () => {
  const rows: Array<Record<string, string | number>> = [];
  for (const ipamInstances of [1, 2]) {
    const platform = await startPlatformProcesses(bus.nats.url, { ipamInstances, ...bus.platform });
    try {
      const api = apiClient(platform.url);
      const key = (await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'bench' } })).body.api_key;
      await api('GET', '/v1/hosting/network/topology', { key }); // the default project exists before timing
      const post = jsonPoster(platform.url, E2E_CONCURRENCY);
      let next = 0;
      let failed = 0;
      const latencies: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: E2E_CONCURRENCY }, async () => {
          while (next < E2E_CREATES) {
            const i = next++;
            const t0 = performance.now();
            const { status } = await post('/v1/hosting/vms', { name: `bench-${i}` }, { 'x-api-key': key });
            latencies.push(performance.now() - t0);
            if (status !== 201) failed++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        'ipam instances': ipamInstances,
        creates: E2E_CREATES,
        concurrency: E2E_CONCURRENCY,
        failed,
        'creates/s (goal >= 300)': E2E_CREATES / seconds,
        'p50 ms': quantile(latencies, 0.5),
        'p99 ms': quantile(latencies, 0.99),
      });
    } finally {
      await platform.stop();
    }
  }
  printTable('Creating VMs through the gateway (HTTP → resources → ipam → dns; one process per service; real NATS)', rows);
}, 600_000);
