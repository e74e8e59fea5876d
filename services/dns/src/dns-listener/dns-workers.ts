// Several processes answer DNS on one port (node:cluster shares the UDP socket,
// and hands TCP connections round-robin): Node sends one datagram per
// syscall, so one process cannot fill a machine's cores. This primary side
// forks them and keeps their copies of the zone view current:
//   - a worker starts from the whole view and listens only once loaded;
//   - every change is numbered and sent to each worker in order; a worker
//     acknowledges each once it answers accordingly;
//   - caughtUp() resolves once every worker has acknowledged every change
//     sent so far: ZoneProjection waits for it before a revision counts as
//     applied (so for the fleet's "every instance answers" too);
//   - a listening worker that leaves a change unacknowledged for longer than
//     the lag bound is killed, as a lagging view would answer SERVFAIL: its
//     replacement loads the whole view first;
//   - a worker that exits is restarted;
//   - the view's lag is passed on, so workers answer SERVFAIL exactly when
//     the view they copy is too far behind.
// TCP admission limits (DnsServerOptions) hold per worker: a client may hold
// maxTcpConnectionsPerClient connections on each.
import cluster, { type Worker } from 'node:cluster';
import type { ZoneEvent } from '@pn/dns-domain';
import type { AnswerTally } from './answer-tally.js';
import { freeTwinPort, workerScript } from './worker-launch.js';
import type { FromWorker, ToWorker, WorkerServerOptions } from './worker-messages.js';

/** How often the view's lag is looked at and, when it changed, passed on. */
const LAG_EVERY_MS = 50;
/** Before a worker that exited is forked again: no tight loop when every start fails. */
const RESTART_AFTER_MS = 200;

export interface ViewSource {
  /** The whole view as plain data (zoneViewProjection.toJson). */
  snapshot(): unknown;
  /** Since when the view has been behind, or null. */
  behindSince(): number | null;
}

export interface DnsWorkersOptions {
  readonly count: number;
  readonly server: WorkerServerOptions;
  readonly view: ViewSource;
  /** Past this lag (PROJECTION_MAX_LAG_MS) workers answer SERVFAIL. */
  readonly maxLagMs: number;
  readonly onError: (error: unknown, lagMs?: number) => void;
  /** Answers the workers made, about once a second each. */
  readonly onAnswers?: (tally: AnswerTally) => void;
  /** Node flags of the workers; default: this process's. */
  readonly execArgv?: readonly string[];
  /** Told when a worker exits unasked (and is restarted). */
  readonly onExit?: (pid: number | undefined, code: number | null, signal: string | null) => void;
}

interface Member {
  readonly worker: Worker;
  /** Sent its start message: changes after that go to it. */
  started: boolean;
  /** Highest change acknowledged; -1 until listening. */
  acked: number;
}

export class DnsWorkers {
  private readonly members = new Map<number, Member>();
  private seq = 0;
  private behindSince: number | null = null;
  private lagTimer: NodeJS.Timeout | undefined;
  private waiters: Array<{ seq: number; done: (ok: boolean) => void }> = [];
  /** When changes not yet acknowledged by every worker were sent, oldest first. */
  private unacked: Array<{ seq: number; at: number }> = [];
  private stopping = false;
  /** Past the first start: a worker that exits from now on, even while starting, is replaced. */
  private running = false;
  private server: WorkerServerOptions;

  constructor(private readonly options: DnsWorkersOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`worker count must be a positive integer, got ${options.count}`);
    this.server = options.server;
  }

  /** Forks the workers; resolves with their port once every one listens. */
  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    // Chosen here, not by each worker: workers binding port 0 at once could not agree on one whose TCP twin is free.
    const port = this.options.server.port === 0 ? await freeTwinPort(this.options.server.host) : this.options.server.port;
    this.server = { ...this.options.server, port };
    cluster.setupPrimary({ exec: workerScript(), serialization: 'advanced', execArgv: [...(this.options.execArgv ?? process.execArgv)] });
    this.behindSince = this.options.view.behindSince();
    this.lagTimer = setInterval(() => {
      this.passOnLag();
      this.replaceLaggards();
    }, LAG_EVERY_MS);
    this.lagTimer.unref();
    try {
      const ports = await Promise.all(Array.from({ length: this.options.count }, () => this.fork()));
      this.running = true;
      return { udpPort: ports[0]!, tcpPort: ports[0]! };
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** ViewFollower: a change the view applied, for every worker. */
  applied(streamId: string, events: readonly ZoneEvent[], revision: number): void {
    const message: ToWorker = { t: 'apply', seq: ++this.seq, streamId, events, revision };
    this.unacked.push({ seq: this.seq, at: performance.now() });
    for (const { worker, started } of this.members.values()) if (started && worker.isConnected()) worker.send(message);
  }

  /** ViewFollower: true once every worker answers every change sent so far, false after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<boolean> {
    const seq = this.seq;
    if (this.settled(seq)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { seq, done: (ok: boolean) => (clearTimeout(timer), resolve(ok)) };
      this.waiters.push(waiter);
    });
  }

  /** Pids of the running workers (for tests and reports). */
  pids(): number[] {
    return [...this.members.values()].flatMap(({ worker }) => (worker.process.pid === undefined ? [] : [worker.process.pid]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lagTimer);
    const exits = [...this.members.values()].map(
      ({ worker }) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    for (const waiter of this.waiters) waiter.done(false);
    this.waiters = [];
  }

  private fork(): Promise<number> {
    const worker = cluster.fork();
    const member: Member = { worker, started: false, acked: -1 };
    this.members.set(worker.id, member);
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.t) {
          case 'ready': {
            // The snapshot and its number are taken together, and every change after it
            // is sent to this worker as to the others: none is missed or doubled.
            member.started = true;
            const start: ToWorker = {
              t: 'start',
              seq: this.seq,
              view: this.options.view.snapshot(),
              behindSince: this.behindSince,
              maxLagMs: this.options.maxLagMs,
              server: this.server,
              tally: this.options.onAnswers !== undefined,
            };
            worker.send(start);
            return;
          }
          case 'listening':
            listening = true;
            this.acknowledged(member, message.seq);
            resolve(message.port);
            return;
          case 'ack':
            this.acknowledged(member, message.seq);
            return;
          case 'failed':
            reject(new Error(`dns worker could not listen: ${message.message}`));
            return;
          case 'error':
            this.options.onError(new Error(message.message), message.lagMs);
            return;
          case 'answers':
            this.options.onAnswers?.(message.tally);
            return;
        }
      });
      worker.once('exit', (code, signal) => {
        this.members.delete(worker.id);
        // A worker gone no longer answers: nothing to wait for from it.
        this.wakeWaiters();
        if (!listening) reject(new Error(`dns worker exited before listening (code ${code}, signal ${signal})`));
        if (this.stopping || !this.running) return;
        this.options.onExit?.(worker.process.pid, code, signal);
        setTimeout(() => {
          if (!this.stopping) this.fork().catch((error: unknown) => this.options.onError(error));
        }, RESTART_AFTER_MS).unref();
      });
    });
  }

  private acknowledged(member: Member, seq: number): void {
    member.acked = Math.max(member.acked, seq);
    this.wakeWaiters();
  }

  private replaceLaggards(): void {
    let oldest = Infinity;
    for (const member of this.members.values()) oldest = Math.min(oldest, member.acked);
    while (this.unacked.length > 0 && this.unacked[0]!.seq <= oldest) this.unacked.shift();
    const late = this.unacked.find(({ at }) => performance.now() - at > this.options.maxLagMs);
    if (!late) return;
    for (const member of this.members.values()) {
      // One still loading is waited for (its start acknowledges a whole view), not replaced.
      if (member.acked >= 0 && member.acked < late.seq) {
        this.options.onError(new Error(`dns worker ${member.worker.process.pid} left change ${late.seq} unacknowledged past ${this.options.maxLagMs} ms: replacing it`));
        member.worker.process.kill('SIGKILL');
      }
    }
  }

  private settled(seq: number): boolean {
    for (const member of this.members.values()) if (member.acked < seq) return false;
    return true;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still = [];
    for (const waiter of this.waiters) {
      if (this.settled(waiter.seq)) waiter.done(true);
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private passOnLag(): void {
    const since = this.options.view.behindSince();
    // Small lag never reaches the bound before the next look; sending it would only churn.
    const behindSince = since !== null && Date.now() - since > LAG_EVERY_MS ? since : null;
    if (behindSince === this.behindSince || (behindSince !== null && this.behindSince !== null && Math.abs(behindSince - this.behindSince) < LAG_EVERY_MS)) return;
    this.behindSince = behindSince;
    const message: ToWorker = { t: 'lag', behindSince };
    for (const { worker, started } of this.members.values()) if (started && worker.isConnected()) worker.send(message);
  }
}
