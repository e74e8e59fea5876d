// bench/soak: does the platform hold up under steady load, without errors,
// creeping latency or growing memory? Run with `npm run bench:soak`
// (SOAK_MINUTES=1 for a quick check).
//   The five services each in its own process (from their builds), on a real
//   NATS. Several accounts; VMs, databases, caches and buckets in turn. First
//   a fill: creates until SOAK_LIVE resources live. Then SOAK_MINUTES of mixed
//   load at SOAK_CONCURRENCY in flight: half the operations read a resource,
//   the other half create one or delete the oldest, whichever keeps the count
//   of live resources at SOAK_LIVE (so every create is paired with a delete).
//   Each minute: throughput, p50/p99 per operation, errors by HTTP status (and
//   network errors), the live resources at its end (created, and not yet
//   handed to a delete), and each service's resident memory (VmRSS of its
//   processes; the highest of the samples
//   taken every 2 s); at the end, a table and a verdict
//   (errors; p99 flat: last minute <= 1.5 x the first; memory flat: last
//   minute <= 1.2 x minute 2, per service) and a count of what the API lists.
import { afterAll, beforeAll, it } from '@jest/globals';
import { residentMemoryKb, startPlatformProcesses, startSecuredRun, type PlatformProcesses, type SecuredRun } from '../support/processes.js';
import { jsonRequester } from './http-client.js';
import { quantile } from './stats.js';
import { printTable } from './table.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 20);
const ACCOUNTS = Number(process.env.SOAK_ACCOUNTS ?? 5);
const LIVE = Number(process.env.SOAK_LIVE ?? 300);
const GET_SHARE = 0.5;
const MINUTE_MS = 60_000;
const SAMPLE_MS = 2_000;
/** Verdict limits: last minute against the first (p99) and against minute 2 (memory). */
const P99_LIMIT = 1.5;
const RSS_LIMIT = 1.2;

const KINDS = [
  { path: 'vms', body: (name: string) => ({ name }) },
  { path: 'databases', body: (name: string) => ({ name, engine: 'postgresql', version: '17' }) },
  { path: 'caches', body: (name: string) => ({ name, engine: 'redis', version: '7.2' }) },
  { path: 'buckets', body: (name: string) => ({ name }) },
] as const;

const OPS = ['create', 'get', 'delete'] as const;
type Op = (typeof OPS)[number];
const EXPECTED: Record<Op, number> = { create: 201, get: 200, delete: 204 };

/** What was measured in one window (the fill, or one minute of the soak). */
class Window {
  readonly latencies: Record<Op, number[]> = { create: [], get: [], delete: [] };
  /** `op status` (or `op network`) → count. */
  readonly errors = new Map<string, number>();
  /** Service label → highest VmRSS seen, kB. */
  readonly rssKb = new Map<string, number>();
  started = performance.now();
  ended = 0;
  live = 0;

  record(op: Op, ms: number, error?: string): void {
    this.latencies[op].push(ms);
    if (error) this.errors.set(`${op} ${error}`, (this.errors.get(`${op} ${error}`) ?? 0) + 1);
  }
  get operations(): number {
    return OPS.reduce((n, op) => n + this.latencies[op].length, 0);
  }
  get errorCount(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }
  p(op: Op, q: number): number | undefined {
    return this.latencies[op].length ? quantile(this.latencies[op], q) : undefined;
  }
}

const ms = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(1) : String(Math.round(v)));
const mb = (kb: number | undefined) => (kb === undefined ? '–' : (kb / 1024).toFixed(0));
const errorText = (w: Window) =>
  w.errors.size === 0 ? 'none' : [...w.errors].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ×${n}`).join(', ');

let bus: SecuredRun;
let platform: PlatformProcesses;

beforeAll(async () => {
  // Every service as its role on a NATS secured for the run (where no container answers, a local nats-server with that configuration).
  bus = await startSecuredRun();
  process.stdout.write(`bench/soak: ${bus.nats.note}\n`);
  platform = await startPlatformProcesses(bus.nats.url, bus.platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await bus?.nats.stop();
});

it(
  `soaks the platform with mixed creates, gets and deletes for ${MINUTES} minute(s)`,
  async () => {
    const request = jsonRequester(platform.url, CONCURRENCY + 4);
    // Service labels for the memory columns (an index where one runs twice).
    const services = platform.services.map((s, i, all) => ({
      label: all.filter((o) => o.name === s.name).length > 1 ? `${s.name}#${all.slice(0, i + 1).filter((o) => o.name === s.name).length}` : s.name,
      pid: s.pid,
    }));

    const accounts: Array<Record<string, string>> = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const created = await request('POST', '/v1/admin/accounts', { authorization: `Bearer ${platform.adminToken}` }, { name: `soak-${i}` });
      if (created.status !== 201) throw new Error(`account creation answered ${created.status}: ${created.body}`);
      accounts.push({ 'x-api-key': JSON.parse(created.body).api_key as string });
    }

    /** Live resources, oldest first: deletes take the head, gets the newer half. */
    const pool: Array<{ path: string; headers: Record<string, string> }> = [];
    let creating = 0;
    let serial = 0;
    const fill = new Window();
    const minutes: Window[] = [];
    let current = fill;
    /** Moves `current` on to the minute now running (set once the soak starts). */
    let rollOver = () => {};

    const timed = async (op: Op, send: () => Promise<{ status: number; body: string }>) => {
      const t0 = performance.now();
      try {
        const answer = await send();
        rollOver();
        current.record(op, performance.now() - t0, answer.status === EXPECTED[op] ? undefined : String(answer.status));
        return answer;
      } catch {
        rollOver();
        current.record(op, performance.now() - t0, 'network');
        return undefined;
      }
    };
    const create = async () => {
      const n = serial++;
      const kind = KINDS[n % KINDS.length]!;
      const headers = accounts[n % accounts.length]!;
      creating++;
      const answer = await timed('create', () => request('POST', `/v1/hosting/${kind.path}`, headers, kind.body(`soak-${n}`)));
      creating--;
      // 202: accepted while a service was down; it exists and completes later.
      if (answer && (answer.status === 201 || answer.status === 202)) {
        pool.push({ path: `/v1/hosting/${kind.path}/${JSON.parse(answer.body).id}`, headers });
      }
    };
    const get = async () => {
      const half = Math.floor(pool.length / 2);
      const target = pool[half + Math.floor(Math.random() * (pool.length - half))]!;
      await timed('get', () => request('GET', target.path, target.headers));
    };
    const remove = async () => {
      const target = pool.shift()!;
      await timed('delete', () => request('DELETE', target.path, target.headers));
    };

    const sample = () => {
      for (const s of services) {
        const kb = residentMemoryKb(s.pid);
        if (kb !== undefined) current.rssKb.set(s.label, Math.max(current.rssKb.get(s.label) ?? 0, kb));
      }
    };
    const runWorkers = (next: () => (() => Promise<void>) | undefined) =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let op = next(); op; op = next()) await op();
        }),
      );

    const row = (label: string, w: Window): Record<string, string | number> => {
      const r: Record<string, string | number> = {
        minute: label,
        'ops/s': Math.round((w.operations / ((w.ended - w.started) / 1000)) * 10) / 10,
      };
      for (const op of OPS) r[`${op} p50/p99 ms`] = `${ms(w.p(op, 0.5))} / ${ms(w.p(op, 0.99))}`;
      r.errors = errorText(w);
      r.live = w.live;
      for (const s of services) r[`${s.label} MB`] = mb(w.rssKb.get(s.label));
      return r;
    };
    const progress = (label: string, w: Window) => {
      const r = row(label, w);
      process.stdout.write(
        `soak ${label}: ${r['ops/s']} ops/s · ` +
          OPS.map((op) => `${op} p50/p99 ${r[`${op} p50/p99 ms`]} ms`).join(' · ') +
          ` · errors ${r.errors} · live ${w.live} · RSS MB ` +
          services.map((s) => `${s.label} ${r[`${s.label} MB`]}`).join(', ') +
          '\n',
      );
    };

    // Fill: creates until LIVE resources live.
    sample();
    const sampler = setInterval(sample, SAMPLE_MS);
    try {
      await runWorkers(() => (pool.length + creating < LIVE && fill.errorCount < LIVE ? create : undefined));
      fill.ended = performance.now();
      fill.live = pool.length;
      sample();
      progress(`fill (${fill.latencies.create.length} creates)`, fill);
      if (pool.length === 0) throw new Error(`the fill created nothing: ${errorText(fill)}`);

      // Soak: MINUTES of mixed load, in windows of one minute.
      const started = performance.now();
      const stopAt = started + MINUTES * MINUTE_MS;
      rollOver = () => {
        const index = Math.min(MINUTES - 1, Math.floor((performance.now() - started) / MINUTE_MS));
        while (minutes.length <= index) {
          const previous = minutes.at(-1);
          if (previous) {
            previous.ended = previous.started + MINUTE_MS;
            previous.live = pool.length;
            progress(`${minutes.length}/${MINUTES}`, previous);
          }
          const next = new Window();
          next.started = started + minutes.length * MINUTE_MS;
          minutes.push(next);
          current = next;
          sample();
        }
      };
      rollOver();
      const roller = setInterval(rollOver, 250);
      try {
        await runWorkers(() => {
          if (performance.now() >= stopAt) return undefined;
          rollOver();
          if (pool.length > 0 && Math.random() < GET_SHARE) return get;
          return pool.length + creating < LIVE || pool.length === 0 ? create : remove;
        });
      } finally {
        clearInterval(roller);
      }
      const last = minutes.at(-1)!;
      sample();
      last.ended = performance.now(); // the operations still in flight at the deadline end in the last minute
      last.live = pool.length;
      progress(`${minutes.length}/${MINUTES}`, last);
    } finally {
      clearInterval(sampler);
    }

    // What the platform lists, to compare with what the soak thinks lives.
    let listed = 0;
    for (const headers of accounts) {
      for (const kind of KINDS) {
        let cursor: string | undefined;
        do {
          const page = await request('GET', `/v1/hosting/${kind.path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers);
          if (page.status !== 200) throw new Error(`listing ${kind.path} answered ${page.status}: ${page.body}`);
          const body = JSON.parse(page.body) as { items: unknown[]; next_cursor?: string | null };
          listed += body.items.length;
          cursor = body.next_cursor ?? undefined;
        } while (cursor);
      }
    }

    printTable(
      `Soak: ${MINUTES} min of mixed creates / gets / deletes, ${CONCURRENCY} in flight, ${ACCOUNTS} accounts, ~${LIVE} live resources ` +
        '(one process per service; real NATS; memory = highest VmRSS in the minute)',
      [row('fill', fill), ...minutes.map((w, i) => row(String(i + 1), w))],
    );

    const all = [fill, ...minutes];
    const errors = all.reduce((n, w) => n + w.errorCount, 0);
    const first = minutes[0]!;
    const last = minutes.at(-1)!;
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
    const p99Ratios = OPS.map((op) => [op, ratio(last.p(op, 0.99), first.p(op, 0.99))] as const);
    const p99Verdict =
      minutes.length < 2
        ? 'not judged (needs 2 minutes or more)'
        : `${p99Ratios.every(([, r]) => r !== undefined && r <= P99_LIMIT) ? 'yes' : 'NO'} ` +
          `(last / first minute: ${p99Ratios.map(([op, r]) => `${op} ${r === undefined ? '–' : r.toFixed(2)}`).join(', ')}; limit ${P99_LIMIT})`;
    const second = minutes[1];
    const rssRatios = services.map((s) => [s.label, ratio(last.rssKb.get(s.label), second?.rssKb.get(s.label))] as const);
    const rssVerdict =
      minutes.length < 3
        ? 'not judged (needs 3 minutes or more)'
        : `${rssRatios.every(([, r]) => r !== undefined && r <= RSS_LIMIT) ? 'yes' : 'NO'} ` +
          `(last minute / minute 2: ${rssRatios.map(([label, r]) => `${label} ${r === undefined ? '–' : r.toFixed(2)}`).join(', ')}; limit ${RSS_LIMIT})`;
    const operations = all.reduce((n, w) => n + w.operations, 0);
    process.stdout.write(
      `\nverdict: errors ${errors} of ${operations} operations${errors ? ` (${all.map(errorText).filter((t) => t !== 'none').join('; ')})` : ''}` +
        ` · p99 flat: ${p99Verdict} · memory flat: ${rssVerdict}` +
        ` · live resources: ${pool.length} by the soak's count, ${listed} listed\n\n`,
    );
  },
  (MINUTES * 60 + 300) * 1000,
);
