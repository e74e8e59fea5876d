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
//     the lag bound is killed (one per round), as a lagging view would answer
//     SERVFAIL: its replacement loads the whole view first; one not listening
//     by the load deadline is killed too (see ack-ledger.ts);
//   - a worker that could not apply a change says so instead of acknowledging
//     it, and is replaced in the next round (one per round, as laggards);
//   - a worker that exits is restarted, with a backoff;
//   - the view's lag is passed on every round, changed or not, so workers
//     answer SERVFAIL exactly when the view they copy is too far behind, and
//     also when they stop hearing from this process (hung or stopped).
// TCP admission limits (DnsServerOptions) hold per instance: each worker gets
// its share (see workerShare), as the primary deals connections out in turn.
import cluster, { type Worker } from 'node:cluster';
import { serialize } from 'node:v8';
import type { ZoneEvent } from '@pn/dns-domain';
import { TCP_DEFAULTS } from '@pn/dns-server';
import { AckLedger } from './ack-ledger.js';
import type { AnswerTally } from './answer-tally.js';
import { freeTwinPort, workerScript } from './worker-launch.js';
import type { FromWorker, ToWorker, WorkerServerOptions } from './worker-messages.js';

/** How often the view's lag is passed on (a tick the workers count on) and laggards looked for. */
export const LAG_EVERY_MS = 50;
/** Before a worker that exited is forked again, doubling while it keeps crashing. */
const RESTART_FIRST_MS = 200;
const RESTART_MAX_MS = 10_000;
/** A worker up this long before it exits starts the backoff over. */
const RESTART_RESET_AFTER_MS = 60_000;
/** Crashes in a row (each within RESTART_RESET_AFTER_MS of its start) from which each is reported. */
const CRASHES_REPORTED_FROM = 3;
/** How long stop() lets a worker finish after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
/** A worker not listening this long after its fork (at least; see loadDeadlineMs) is killed and replaced. */
const LOAD_DEADLINE_MIN_MS = 10_000;

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
  /** A worker not listening this long after its fork is replaced; default max(10 s, 5 × maxLagMs). */
  readonly loadDeadlineMs?: number;
  /** How long stop() waits for a worker after SIGTERM before SIGKILL; default 5 s. */
  readonly stopGraceMs?: number;
}

/**
 * The TCP limits each of `count` workers enforces, so that the configured ones
 * hold per instance: every worker keeps its own connection table, and the
 * primary deals connections out to the workers in turn, so a client (and the
 * whole) gets about 1/count of its connections on each. Rounded up: a limit
 * smaller than the worker count still lets one connection in on each.
 */
export function workerShare(server: WorkerServerOptions, count: number): WorkerServerOptions {
  return {
    ...server,
    maxTcpConnectionsPerClient: Math.ceil((server.maxTcpConnectionsPerClient ?? TCP_DEFAULTS.maxConnectionsPerClient) / count),
    maxTcpConnections: Math.ceil((server.maxTcpConnections ?? TCP_DEFAULTS.maxConnections) / count),
  };
}

/** How long to wait before forking a worker again: 0.2 s, doubling to 10 s while workers exit soon after their start. */
export class RestartBackoff {
  private nextMs = RESTART_FIRST_MS;
  private inRow = 0;

  /** A worker exited `upMs` after its fork: the delay before its replacement, and how many exited in a row. */
  exited(upMs: number): { delayMs: number; crashesInRow: number } {
    if (upMs > RESTART_RESET_AFTER_MS) {
      this.nextMs = RESTART_FIRST_MS;
      this.inRow = 0;
    }
    this.inRow++;
    const delayMs = this.nextMs;
    this.nextMs = Math.min(RESTART_MAX_MS, this.nextMs * 2);
    return { delayMs, crashesInRow: this.inRow };
  }
}

export class DnsWorkers {
  private readonly members = new Map<number, Worker>();
  private readonly ledger: AckLedger;
  private behindSince: number | null = null;
  private lagTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Past the first start: a worker that exits from now on, even while starting, is replaced. */
  private running = false;
  private server: WorkerServerOptions;
  /** The start message's view, serialised once per change number however many workers start. */
  private startView: { seq: number; bytes: Uint8Array } | undefined;
  private readonly backoff = new RestartBackoff();

  constructor(private readonly options: DnsWorkersOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`worker count must be a positive integer, got ${options.count}`);
    this.server = workerShare(options.server, options.count);
    this.ledger = new AckLedger({
      maxLagMs: options.maxLagMs,
      loadDeadlineMs: options.loadDeadlineMs ?? Math.max(LOAD_DEADLINE_MIN_MS, 5 * options.maxLagMs),
      roundEveryMs: LAG_EVERY_MS,
    });
  }

  /** Forks the workers; resolves with their port once every one listens. */
  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    // Chosen here, not by each worker: workers binding port 0 at once could not agree on one whose TCP twin is free.
    const port = this.options.server.port === 0 ? await freeTwinPort(this.options.server.host) : this.options.server.port;
    this.server = { ...this.server, port };
    cluster.setupPrimary({ exec: workerScript(), serialization: 'advanced', execArgv: [...(this.options.execArgv ?? process.execArgv)] });
    this.behindSince = this.options.view.behindSince();
    this.lagTimer = setInterval(() => {
      const now = performance.now();
      this.passOnLag();
      // After the acks that arrived meanwhile are read (a stalled primary has them waiting unread).
      setImmediate(() => this.judge(now));
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
    this.broadcast({ t: 'apply', seq: this.ledger.sent(performance.now()), streamId, events, revision });
  }

  /** ViewFollower: true once every worker answers every change sent so far, false after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = this.ledger.wait(this.ledger.seq, (ok) => (clearTimeout(timer), resolve(ok)));
      if (waiter) {
        timer = setTimeout(() => {
          this.ledger.cancel(waiter);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /** Pids of the running workers (for tests and reports). */
  pids(): number[] {
    return [...this.members.values()].flatMap((worker) => (worker.process.pid === undefined ? [] : [worker.process.pid]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lagTimer);
    const exits = [...this.members.values()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          // One that does not finish (hung, stopped) is not waited for forever.
          const kill = setTimeout(() => worker.process.kill('SIGKILL'), this.options.stopGraceMs ?? STOP_GRACE_MS);
          worker.once('exit', () => (clearTimeout(kill), resolve()));
          worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    this.ledger.failAll();
  }

  /** To every worker that has its start (one still to start gets a snapshot that holds the rest). */
  private broadcast(message: ToWorker): void {
    for (const [id, worker] of this.members) if (this.ledger.isStarted(id)) this.send(worker, message);
  }

  /** Sends unless the worker is known gone; one that died unnoticed makes the send fail on its 'error' listener. */
  private send(worker: Worker, message: ToWorker): void {
    if (worker.isConnected() && !worker.isDead()) worker.send(message);
  }

  private fork(): Promise<number> {
    const worker = cluster.fork();
    const forkedAt = performance.now();
    this.members.set(worker.id, worker);
    this.ledger.forked(worker.id, forkedAt);
    // A send to a worker that died before this process noticed fails with EPIPE here, not as an
    // uncaught 'error' that would take the whole service down; its 'exit' restarts it.
    worker.on('error', (error: unknown) => this.options.onError(new Error(`dns worker ${worker.process.pid}: ${String(error)}`)));
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.t) {
          case 'ready': {
            // The snapshot and its number are taken together, and every change after it
            // is sent to this worker as to the others: none is missed or doubled.
            const seq = this.ledger.seq;
            const start: ToWorker = {
              t: 'start',
              seq,
              view: this.viewAt(seq),
              behindSince: this.behindSince,
              maxLagMs: this.options.maxLagMs,
              server: this.server,
              tally: this.options.onAnswers !== undefined,
            };
            this.ledger.started(worker.id, seq);
            this.send(worker, start);
            return;
          }
          case 'listening':
            listening = true;
            this.ledger.listening(worker.id, message.seq);
            resolve(message.port);
            return;
          case 'ack':
            this.ledger.acknowledged(worker.id, message.seq);
            return;
          case 'apply-failed':
            this.options.onError(new Error(`dns worker ${worker.process.pid} could not apply change ${message.seq}: ${message.message}`));
            this.ledger.failed(worker.id);
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
        this.ledger.gone(worker.id);
        if (!listening) reject(new Error(`dns worker exited before listening (code ${code}, signal ${signal})`));
        if (this.stopping || !this.running) return;
        this.options.onExit?.(worker.process.pid, code, signal);
        this.restartLater(performance.now() - forkedAt);
      });
    });
  }

  /** Forks a replacement after a delay that doubles while workers keep crashing soon after their start. */
  private restartLater(upMs: number): void {
    const { delayMs, crashesInRow } = this.backoff.exited(upMs);
    if (crashesInRow >= CRASHES_REPORTED_FROM) {
      this.options.onError(new Error(`dns workers keep exiting (${crashesInRow} in a row, each within ${RESTART_RESET_AFTER_MS / 1000} s of its start): next restart in ${delayMs} ms`));
    }
    setTimeout(() => {
      if (this.stopping) return;
      this.fork().catch((error: unknown) => {
        if (!this.stopping) this.options.onError(error);
      });
    }, delayMs).unref();
  }

  private viewAt(seq: number): Uint8Array {
    if (this.startView?.seq !== seq) this.startView = { seq, bytes: serialize(this.options.view.snapshot()) };
    return this.startView.bytes;
  }

  private judge(now: number): void {
    if (this.stopping) return;
    const { laggard, stuckLoading } = this.ledger.round(now);
    if (laggard) {
      const worker = this.members.get(laggard.id);
      const why = laggard.failed ? `could not apply change ${laggard.seq}` : `left change ${laggard.seq} unacknowledged past ${this.options.maxLagMs} ms`;
      this.options.onError(new Error(`dns worker ${worker?.process.pid} ${why}: replacing it`));
      worker?.process.kill('SIGKILL');
    }
    for (const id of stuckLoading) {
      const worker = this.members.get(id);
      this.options.onError(new Error(`dns worker ${worker?.process.pid} not listening past the load deadline: replacing it`));
      worker?.process.kill('SIGKILL');
    }
  }

  /** Every round, changed or not: workers take silence for a primary that hangs, and answer SERVFAIL. */
  private passOnLag(): void {
    const since = this.options.view.behindSince();
    // Small lag never reaches the bound before the next look.
    this.behindSince = since !== null && Date.now() - since > LAG_EVERY_MS ? since : null;
    this.broadcast({ t: 'lag', behindSince: this.behindSince });
  }
}
