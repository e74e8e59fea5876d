// Side by side with NSD (Debian's nsd, one server process, rrl-ratelimit 0):
// both loaded with the same records, both asked the same queries by dnsperf.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantile } from './stats.js';

export const hasTool = (tool: string, arg = '-h') => spawnSync(tool, [arg]).error === undefined;

/** Same rule as dns-standalone.mjs. */
export const benchAddress = (i: number) => `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;

/** dnsperf's input: `hitShare` of existing names, the rest misses, shuffled (seeded). */
export function queryFile(dir: string, records: number, count: number, hitShare: number): string {
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(random() < hitShare ? `host-${Math.floor(random() * records)}.vm.internal A` : `miss-${i}.vm.internal A`);
  }
  const file = join(dir, 'queries.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export async function startNsd(dir: string, port: number, records: number): Promise<ChildProcess> {
  const zone = [
    '$ORIGIN internal.',
    '$TTL 5',
    '@ 1 IN SOA ns.internal. hostmaster.internal. 1 3600 600 86400 1',
    '@ IN NS ns.internal.',
    ...Array.from({ length: records }, (_, i) => `host-${i}.vm IN A ${benchAddress(i)}`),
  ];
  writeFileSync(join(dir, 'internal.zone'), zone.join('\n') + '\n');
  writeFileSync(
    join(dir, 'nsd.conf'),
    [
      'server:',
      `  ip-address: 127.0.0.1@${port}`,
      '  server-count: 1',
      '  rrl-ratelimit: 0',
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      '  database: ""',
      '  verbosity: 0',
      'remote-control:',
      '  control-enable: no',
      'zone:',
      '  name: internal',
      '  zonefile: internal.zone',
      '',
    ].join('\n'),
  );
  const nsd = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nsd.stderr!.on('data', (d) => (stderr += d));
  await waitForAnswer(port, () => `nsd did not answer: ${stderr}`);
  return nsd;
}

/** dns-standalone.mjs on `port` (several may share it), UDP served as `udp` says (DNS_UDP). */
export async function startOurs(port: number, records: number, networkId: string, udp: 'batched' | 'dgram'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'dns-standalone.mjs'), String(port), String(records), networkId], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DNS_UDP: udp },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`dns-standalone exited with ${code}`)));
  });
  return child;
}

async function waitForAnswer(port: number, why: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const dig = spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=1', 'internal', 'SOA']);
    if (dig.stdout?.toString().includes('status: NOERROR')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(why());
}

/** CPU time (user + system) in ms of a process, its threads and every process it started, from /proc. */
export function cpuMsOfTree(pid: number): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
    return (ticks * 1000) / CLOCK_TICKS + children.reduce((ms, child) => ms + cpuMsOfTree(child), 0);
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface PerfResult {
  /** Queries answered. */
  readonly completed: number;
  readonly qps: number;
  readonly meanMs: number;
  readonly lost: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** With maxQps: every query's latency, sorted. */
  readonly latenciesMs?: number[];
}

/**
 * One dnsperf run. With `maxQps` it also reports each query (-v) and the
 * latency percentiles are read from those lines.
 */
export function dnsperf(options: { port: number; file: string; seconds: number; option?: string; maxQps?: number; outstanding?: number }): PerfResult {
  const args = ['-s', '127.0.0.1', '-p', String(options.port), '-d', options.file, '-l', String(options.seconds), '-q', String(options.outstanding ?? 100)];
  if (options.option) args.push('-E', options.option);
  if (options.maxQps) args.push('-Q', String(options.maxQps), '-v');
  const run = spawnSync('dnsperf', args, { maxBuffer: 1 << 30, encoding: 'utf8' });
  const out = run.stdout ?? '';
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
  const meanMs = Number(/Average Latency \(s\):\s+([\d.]+)/.exec(out)?.[1]) * 1000;
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(qps)) throw new Error(`dnsperf failed: ${run.stderr}\n${out.slice(-2000)}`);
  if (!options.maxQps) return { completed, qps, meanMs, lost };
  // Lines like `> NOERROR host-1.vm.internal A 0.000123` (the latency in seconds, last).
  const latencies = out
    .split('\n')
    .filter((l) => l.startsWith('> '))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)) * 1000)
    .filter(Number.isFinite);
  const at = (p: number) => (latencies.length ? quantile(latencies, p) : NaN);
  return { completed, qps, meanMs, lost, p50Ms: at(0.5), p99Ms: at(0.99), latenciesMs: latencies };
}

export const scratchDir = () => mkdtempSync(join(tmpdir(), 'dns-bench-'));
