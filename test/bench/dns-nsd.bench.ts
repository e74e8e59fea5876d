// bench/dns (part of `npm run bench:dns`): this DNS server next to NSD, both
// loaded with the same 10,000 records and asked the same queries (90% names
// that exist, 10% misses) by dnsperf, one server process each, on this
// machine. Our server runs as the dns service runs it (ZoneIndex +
// answerInView; DNS_WORKERS answering workers, by default one per core),
// alone; NSD runs one server process. Queries carry the network option
// (NSD ignores it). Needs Debian's dnsperf, nsd and dnsutils (.ci/run).
import { afterAll, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '@pn/test-support';
import { dnsWorkersFromEnv } from '../../services/dns/src/dns-listener/dns-options.js';
import { dnsperf, hasTool, queryFile, scratchDir, startNsd, startOurs, type PerfResult } from './dns-nsd.js';
import { printTable } from './table.js';

const RECORDS = Number(process.env.BENCH_DNS_RECORDS ?? 10_000);
const SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 10);
const NETWORK = 'net_01kbench0000000000000000000';
const tools = ['dnsperf', 'nsd', 'dig'].filter((t) => !hasTool(t, t === 'dig' ? '-v' : '-h'));
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

(tools.length === 0 ? it : it.skip)(`compares with NSD${tools.length ? ` (skipped: ${tools.join(', ')} not installed)` : ''}`, async () => {
  const dir = scratchDir();
  const file = queryFile(dir, RECORDS, 200_000, 0.9);
  const nsdPort = await freePort();
  const ourPort = await freePort();
  children.push(await startNsd(dir, nsdPort, RECORDS));
  children.push(await startOurs(ourPort, RECORDS, NETWORK));
  const option = `65001:${Buffer.from(NETWORK).toString('hex')}`;

  const runs: Array<[string, (port: number) => PerfResult]> = [
    [`full speed, ${SECONDS} s`, (port) => dnsperf({ port, file, seconds: SECONDS, option })],
    [`20,000 qps, ${Math.min(SECONDS, 5)} s`, (port) => dnsperf({ port, file, seconds: Math.min(SECONDS, 5), option, maxQps: 20_000 })],
  ];
  const rows = [];
  for (const [load, measure] of runs) {
    const ours = measure(ourPort);
    const nsd = measure(nsdPort);
    const row = (server: string, r: PerfResult) => ({
      load,
      server,
      'queries/s': Math.round(r.qps),
      'mean ms': r.meanMs,
      'p50 ms': r.p50Ms ?? '–',
      'p99 ms': r.p99Ms ?? '–',
      lost: r.lost,
    });
    rows.push(row('ours', ours), row('NSD', nsd), { load, server: 'ours / NSD', 'queries/s': Number((ours.qps / nsd.qps).toFixed(2)), 'mean ms': Number((ours.meanMs / nsd.meanMs).toFixed(2)), 'p50 ms': '', 'p99 ms': ours.p99Ms && nsd.p99Ms ? Number((ours.p99Ms / nsd.p99Ms).toFixed(2)) : '', lost: '' });
  }
  const workers = dnsWorkersFromEnv(process.env);
  const ours = workers > 1 ? `ours ${workers} answering workers` : 'ours one process';
  printTable(`This server vs NSD (dnsperf, ${RECORDS.toLocaleString('en-US')} records, 90% hits / 10% misses, UDP, 100 outstanding; ${ours}, NSD one process)`, rows);
}, 300_000);
