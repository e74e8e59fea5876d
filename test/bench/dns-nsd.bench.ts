// bench/dns (part of `npm run bench:dns`): this DNS server next to NSD, both
// loaded with the same 10,000 records and asked the same queries (90% names
// that exist, 10% misses) by dnsperf, on this machine. Our server runs as the
// dns service runs it (ZoneIndex + answerInView, one process), alone: on the
// batched-UDP addon, on the dgram fallback, and as two instances sharing the
// port (SO_REUSEPORT); NSD runs one server process. Queries carry the network
// option (NSD ignores it). Besides queries/s and latency, each server's CPU
// time over the queries it answered (its process tree, from /proc): dnsperf
// shares the two cores and saturates near 300k queries/s, so CPU per query is
// the fair comparison. Needs Debian's dnsperf, nsd and dnsutils.
import { afterAll, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '@pn/test-support';
import { cpuMsOfTree, dnsperf, hasTool, queryFile, scratchDir, startNsd, startOurs } from './dns-nsd.js';
import { quantile } from './stats.js';
import { printTable } from './table.js';

const RECORDS = Number(process.env.BENCH_DNS_RECORDS ?? 10_000);
const SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 10);
/** Each load is measured in this many rounds, the servers taking turns (see interleaved). */
const ROUNDS = Number(process.env.BENCH_DNS_ROUNDS ?? 5);
const NETWORK = 'net_01kbench0000000000000000000';
const tools = ['dnsperf', 'nsd', 'dig'].filter((t) => !hasTool(t, t === 'dig' ? '-v' : '-h'));
const OPTION = `65001:${Buffer.from(NETWORK).toString('hex')}`;
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

interface Server {
  readonly name: string;
  readonly port: number;
  readonly pids: number[];
}

interface Measured {
  readonly qps: number;
  readonly cpuUsPerQuery: number;
  readonly meanMs: number;
  readonly p99Ms: number | undefined;
  readonly lost: number;
}

const cpuOf = (server: Server) => server.pids.reduce((ms, pid) => ms + cpuMsOfTree(pid), 0);

/**
 * The servers measured in turn, ROUNDS times each (dnsperf for `seconds` /
 * ROUNDS a round), and each one's rounds added up: whatever else the machine
 * runs meanwhile falls on every server alike, rather than on whichever ran
 * when it peaked. CPU is each server's own time (its process tree) over the
 * queries it answered.
 */
function interleaved(servers: Server[], file: string, seconds: number, maxQps?: number): Map<Server, Measured> {
  const roundSeconds = Math.max(1, Math.round(seconds / ROUNDS));
  const totals = new Map(servers.map((s) => [s, { completed: 0, runSeconds: 0, cpuMs: 0, latencySum: 0, lost: 0, latencies: [] as number[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      const before = cpuOf(server);
      const r = dnsperf({ port: server.port, file, seconds: roundSeconds, option: OPTION, ...(maxQps ? { maxQps } : {}) });
      const t = totals.get(server)!;
      t.cpuMs += cpuOf(server) - before;
      t.completed += r.completed;
      t.runSeconds += r.completed / r.qps;
      t.latencySum += r.meanMs * r.completed;
      t.lost += r.lost;
      if (r.latenciesMs) t.latencies.push(...r.latenciesMs);
    }
  }
  return new Map(
    [...totals].map(([server, t]) => {
      const p99Ms = t.latencies.length > 0 ? quantile(t.latencies, 0.99) : undefined;
      return [server, { qps: t.completed / t.runSeconds, cpuUsPerQuery: (t.cpuMs * 1000) / Math.max(1, t.completed), meanMs: t.latencySum / Math.max(1, t.completed), p99Ms, lost: t.lost }];
    }),
  );
}

const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Number((a / b).toFixed(2)) : '');

(tools.length === 0 ? it : it.skip)(`compares with NSD${tools.length ? ` (skipped: ${tools.join(', ')} not installed)` : ''}`, async () => {
  const dir = scratchDir();
  const file = queryFile(dir, RECORDS, 200_000, 0.9);
  const start = async (name: string, count: number, launch: (port: number) => Promise<ChildProcess>): Promise<Server> => {
    const port = await freePort();
    const started = [];
    for (let i = 0; i < count; i++) started.push(await launch(port));
    children.push(...started);
    return { name, port, pids: started.map((c) => c.pid!) };
  };
  const nsd = await start('NSD', 1, (port) => startNsd(dir, port, RECORDS));
  const batched = await start('ours (batched UDP)', 1, (port) => startOurs(port, RECORDS, NETWORK, 'batched'));
  const dgram = await start('ours (dgram fallback)', 1, (port) => startOurs(port, RECORDS, NETWORK, 'dgram'));
  const pair = await start('ours, 2 instances on one port', 2, (port) => startOurs(port, RECORDS, NETWORK, 'batched'));
  const full = `full speed, ${SECONDS} s`;
  const paced = `20,000 qps, ${Math.min(SECONDS, 5)} s`;
  const results: Array<[string, Server, Measured]> = [];
  for (const [server, r] of interleaved([batched, nsd, dgram, pair], file, SECONDS)) results.push([full, server, r]);
  for (const [server, r] of interleaved([batched, nsd], file, Math.min(SECONDS, 5), 20_000)) results.push([paced, server, r]);

  const row = (load: string, server: string, r: Measured) => ({
    load,
    server,
    'queries/s': Math.round(r.qps),
    'CPU µs/query': Number(r.cpuUsPerQuery.toFixed(2)),
    'mean ms': Number(r.meanMs.toFixed(3)),
    'p99 ms': r.p99Ms === undefined ? '–' : Number(r.p99Ms.toFixed(3)),
    lost: r.lost,
  });
  const of = (load: string, server: Server) => results.find(([l, s]) => l === load && s === server)![2];
  const rows: Array<Record<string, string | number>> = results.map(([load, server, r]) => row(load, server.name, r));
  for (const load of [full, paced]) {
    const ours = of(load, batched);
    const theirs = of(load, nsd);
    rows.push({ load, server: 'ours (batched) / NSD', 'queries/s': ratio(ours.qps, theirs.qps), 'CPU µs/query': ratio(ours.cpuUsPerQuery, theirs.cpuUsPerQuery), 'mean ms': ratio(ours.meanMs, theirs.meanMs), 'p99 ms': ratio(ours.p99Ms, theirs.p99Ms), lost: '' });
  }
  printTable(`This server vs NSD (dnsperf, ${RECORDS.toLocaleString('en-US')} records, 90% hits / 10% misses, UDP, 100 outstanding; one process each unless said; ${ROUNDS} rounds, the servers taking turns)`, rows);
  const fullOurs = of(full, batched);
  const fullNsd = of(full, nsd);
  const p99 = of(paced, batched).p99Ms ?? NaN;
  process.stdout.write(
    [
      `goals: CPU per query ≤ 1.0× NSD's: ${ratio(fullOurs.cpuUsPerQuery, fullNsd.cpuUsPerQuery)}×; ` +
        `queries/s ≥ 1.0× NSD's: ${ratio(fullOurs.qps, fullNsd.qps)}×; p99 at 20k qps < 1 ms: ${p99.toFixed(3)} ms`,
      '',
    ].join('\n'),
  );
}, 600_000);
