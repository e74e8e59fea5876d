// The development runtime's workloads: what runs in a resource's namespace
// on its service port. PostgreSQL (databases, `postgres-18`) and Redis
// (caches, `redis-7`) are real daemons that outlive the agent; HTTP ones
// (`nodejs-24` on 3000, buckets on 443, plain HTTP) are served from the
// agent over sockets bound in the namespace. Credentials are files under
// `<runDir>/credentials/`.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import type { DesiredResource } from './desired-state.js';
import { run, runIn } from './run.js';
import { closeAll, openSockets, type OpenedSocket } from './sockets.js';

export type WorkloadKind = 'http' | 'postgres' | 'redis';
export const ALL_WORKLOADS: readonly WorkloadKind[] = ['http', 'postgres', 'redis'];
const PG_BIN = '/usr/lib/postgresql/15/bin';
const RETRY_MS = 30_000;

export interface WorkloadTarget {
  readonly resource: DesiredResource;
  readonly namespace: string;
  /** Identifies the namespace instance (its inode): a recreated namespace needs its workload again. */
  readonly namespaceId: string;
  readonly cidr: string;
}

/** What a resource runs, and where; null for nothing (ubuntu-24, or a kind switched off). */
export function workloadOf(resource: DesiredResource): { kind: WorkloadKind; port: number } | null {
  if (resource.kind === 'database' || resource.image === 'postgres-18') return { kind: 'postgres', port: 5432 };
  if (resource.kind === 'cache' || resource.image === 'redis-7') return { kind: 'redis', port: 6379 };
  if (resource.kind === 'bucket') return { kind: 'http', port: 443 };
  if (resource.image === 'nodejs-24') return { kind: 'http', port: 3000 };
  return null;
}

interface Running {
  readonly namespaceId: string;
  /** A daemon (PostgreSQL, Redis) outlives the agent; only a stop of its resource, or its namespace going, ends it. */
  readonly daemon: boolean;
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export class Workloads {
  private readonly running = new Map<string, Running>();
  /** When a resource's workload last failed: it is tried again after RETRY_MS, not on every drift pass. */
  private readonly failedAt = new Map<string, number>();
  /** Stops under way: a start of the same resource waits for them (else it could adopt a daemon about to exit). */
  private readonly stopping = new Map<string, Promise<void>>();

  constructor(
    private readonly runDir: string,
    private readonly opener: string,
    private readonly enabled: ReadonlySet<WorkloadKind>,
    private readonly onFailure: (resourceId: string, reason: string) => void,
  ) {}

  /** Path of the file holding a resource's service password (user `postgres` for PostgreSQL, `requirepass` for Redis). */
  credentialsFile(resourceId: string): string {
    return join(this.runDir, 'credentials', resourceId);
  }

  /** Starts what should run (without waiting: PostgreSQL takes seconds), stops what should not. */
  reconcile(targets: readonly WorkloadTarget[]): void {
    const wanted = new Map<string, WorkloadTarget>();
    for (const t of targets) {
      const workload = workloadOf(t.resource);
      if (!t.resource.stopped && workload && this.enabled.has(workload.kind)) wanted.set(t.resource.id, t);
    }
    for (const [id, running] of this.running) {
      if (wanted.get(id)?.namespaceId !== running.namespaceId) {
        this.running.delete(id);
        const stop = running.stop().catch(() => undefined);
        this.stopping.set(id, stop);
        void stop.then(() => this.stopping.get(id) === stop && this.stopping.delete(id));
      }
    }
    for (const id of this.failedAt.keys()) if (!wanted.has(id)) this.failedAt.delete(id);
    for (const [id, target] of wanted) {
      if (this.running.has(id) || Date.now() - (this.failedAt.get(id) ?? -Infinity) < RETRY_MS) continue;
      const started = this.start(target);
      started.ready.then(
        () => this.failedAt.delete(id),
        (error: unknown) => {
          if (this.running.get(id) === started) this.running.delete(id);
          this.failedAt.set(id, Date.now());
          this.onFailure(id, `workload: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
      this.running.set(id, started);
    }
  }

  /** Resolves once the resource's workload answers (at once if it has none); rejects while it is failed. */
  ready(resourceId: string): Promise<void> {
    const running = this.running.get(resourceId);
    if (running) return running.ready;
    return this.failedAt.has(resourceId) ? Promise.reject(new Error(`the workload of ${resourceId} failed`)) : Promise.resolve();
  }

  /** Stops the agent-served ones (HTTP); daemons outlive the agent, or die with their namespace. */
  async stopServed(): Promise<void> {
    const served = [...this.running.values()].filter((r) => !r.daemon);
    this.running.clear();
    await Promise.all(served.map((r) => r.stop().catch(() => undefined)));
  }

  private start(target: WorkloadTarget): Running {
    const { kind, port } = workloadOf(target.resource)!;
    const previous = this.stopping.get(target.resource.id) ?? Promise.resolve();
    if (kind === 'http') return this.startHttp(target, port, previous);
    const dir = join(this.runDir, 'workloads', target.resource.id);
    const password = this.credentialsFile(target.resource.id);
    return this.daemon(target, dir, kind === 'postgres' ? new Postgres(dir, target, password) : new Redis(dir, target, password), previous);
  }

  private startHttp(target: WorkloadTarget, port: number, previous: Promise<void>): Running {
    const { id, name } = target.resource;
    const body = JSON.stringify({ id, name });
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    let sockets: OpenedSocket[] = [];
    const ready = previous.then(() => openSockets(this.opener, target.namespace, [{ kind: 'tcp', host: target.resource.privateIp, port }])).then((opened) => {
      sockets = opened;
      (opened[0] as { server: net.Server }).server.on('connection', (c) => server.emit('connection', c));
    });
    return {
      namespaceId: target.namespaceId,
      ready,
      daemon: false,
      stop: async () => {
        await ready.catch(() => undefined);
        closeAll(sockets);
        server.closeAllConnections();
      },
    };
  }

  private daemon(target: WorkloadTarget, dir: string, daemon: Daemon, previous: Promise<void>): Running {
    const ready = (async () => {
      await previous;
      await mkdir(dir, { recursive: true });
      await ensurePassword(this.credentialsFile(target.resource.id));
      const marker = join(dir, 'netns-id');
      const sameNamespace = (await readFile(marker, 'utf8').catch(() => '')) === target.namespaceId;
      if (sameNamespace && (await daemon.alive())) return; // adopted from a previous agent
      await daemon.stop().catch(() => undefined);
      await daemon.start();
      await writeFile(marker, target.namespaceId);
    })();
    const stop = async () => {
      await ready.catch(() => undefined);
      await daemon.stop();
    };
    return { namespaceId: target.namespaceId, ready, daemon: true, stop };
  }
}

interface Daemon {
  alive(): Promise<boolean>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function ensurePassword(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing) return existing.trim();
  const password = randomBytes(18).toString('base64url');
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function pidAlive(pidFile: string): Promise<boolean> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && running(pid);
}

/** Alive and not a zombie (a daemon's parent may never reap it here). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

class Postgres implements Daemon {
  private readonly data: string;
  constructor(
    dir: string,
    private readonly target: WorkloadTarget,
    private readonly passwordFile: string,
  ) {
    this.data = join(dir, 'data');
  }

  alive = () => pidAlive(join(this.data, 'postmaster.pid'));

  private asPostgres(args: readonly string[]): string[] {
    return ['runuser', '-u', 'postgres', '--', ...args];
  }

  async start(): Promise<void> {
    const exists = await stat(join(this.data, 'PG_VERSION')).then(() => true, () => false);
    if (!exists) {
      const ids = await postgresIds();
      // The resource's directory is PostgreSQL's: its data, log and initial password file.
      await mkdir(this.data, { recursive: true, mode: 0o700 });
      await chown(join(this.data, '..'), ...ids);
      await chown(this.data, ...ids);
      const pwfile = join(this.data, '..', 'pwfile');
      await writeFile(pwfile, await readFile(this.passwordFile), { mode: 0o600 });
      await chown(pwfile, ...ids);
      const [cmd, ...args] = this.asPostgres([`${PG_BIN}/initdb`, '-D', this.data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust']);
      await run(cmd!, args).finally(() => rm(pwfile, { force: true }));
      const hba = join(this.data, 'pg_hba.conf');
      await writeFile(hba, `${await readFile(hba, 'utf8')}\nhost all all ${this.target.cidr} scram-sha-256\n`);
    }
    const options = `-c listen_addresses=${this.target.resource.privateIp} -c port=5432 -c unix_socket_directories=${this.data}`;
    // The log sits beside the data, in a directory root owns: made here and given to postgres, which writes it.
    const log = join(this.data, '..', 'postgres.log');
    await writeFile(log, '', { flag: 'a' });
    await chown(log, ...(await postgresIds()));
    await runIn(this.target.namespace, this.asPostgres([`${PG_BIN}/pg_ctl`, '-D', this.data, '-l', log, '-o', options, '-w', '-t', '60', 'start']));
  }

  async stop(): Promise<void> {
    if (!(await this.alive())) return;
    await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', this.data, '-m', 'fast', '-w', 'stop']);
  }
}

let postgresIdsCache: Promise<[number, number]> | null = null;
const postgresIds = (): Promise<[number, number]> =>
  (postgresIdsCache ??= Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).then(([u, g]) => [Number(u.trim()), Number(g.trim())]));

class Redis implements Daemon {
  private readonly pidFile: string;
  constructor(
    private readonly dir: string,
    private readonly target: WorkloadTarget,
    private readonly passwordFile: string,
  ) {
    this.pidFile = join(dir, 'redis.pid');
  }

  alive = () => pidAlive(this.pidFile);

  async start(): Promise<void> {
    const password = (await readFile(this.passwordFile, 'utf8')).trim();
    const conf = join(this.dir, 'redis.conf');
    await writeFile(
      conf,
      [`bind ${this.target.resource.privateIp}`, 'port 6379', `requirepass ${password}`, 'daemonize yes', `pidfile ${this.pidFile}`, `dir ${this.dir}`, `logfile ${join(this.dir, 'redis.log')}`, 'save ""', 'appendonly no', ''].join('\n'),
      { mode: 0o600 },
    );
    await runIn(this.target.namespace, ['redis-server', conf]);
    for (let i = 0; i < 50 && !(await this.alive()); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await this.alive())) throw new Error(`redis-server did not start (see ${join(this.dir, 'redis.log')})`);
  }

  /** SIGTERM, then SIGKILL if it lingers; returns once it is gone, so a start that follows cannot adopt it. */
  async stop(): Promise<void> {
    const pid = Number((await readFile(this.pidFile, 'utf8').catch(() => '')).trim());
    if (!(pid > 0)) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && (await running(pid)); i++) await new Promise((r) => setTimeout(r, 50));
    if (await running(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** The run dir must let user postgres reach its data directory. */
export async function openRunDirToPostgres(runDir: string): Promise<void> {
  await chmod(runDir, 0o711);
}
