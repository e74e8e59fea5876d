// What the dns service's primary process and its answering workers say to
// each other over the cluster IPC channel (structured clone: zone events
// carry bigint timestamps). Changes are numbered; a worker acknowledges each
// number once the change answers, which is what the primary waits for.
import type { ZoneEvent } from '@pn/dns-domain';
import type { AnswerTally } from './answer-tally.js';

/** The DnsServer options a worker can be given: plain data, unlike the callbacks. */
export interface WorkerServerOptions {
  readonly host: string;
  readonly port: number;
  readonly ttlSeconds: number;
  readonly negativeTtlSeconds: number;
  readonly forwarderSecret: string | null;
  readonly tcpMessageTimeoutMs?: number;
  readonly maxTcpConnectionsPerClient?: number;
  readonly maxTcpConnections?: number;
  readonly udpRecvBufferSize?: number;
}

export type ToWorker =
  /**
   * The first message: the whole view as of change `seq` (zoneViewProjection.toJson,
   * v8-serialised once for every worker that starts at that change); the worker
   * listens once it has loaded it.
   */
  | {
      readonly t: 'start';
      readonly seq: number;
      readonly view: Uint8Array;
      readonly behindSince: number | null;
      readonly maxLagMs: number;
      readonly server: WorkerServerOptions;
      /** Count answers for the primary's metrics (each answer is then timed). */
      readonly tally: boolean;
    }
  | { readonly t: 'apply'; readonly seq: number; readonly streamId: string; readonly events: readonly ZoneEvent[]; readonly revision: number }
  /**
   * The primary's view has been behind since then (null: it is not); past maxLagMs, answers are SERVFAIL.
   * Sent every LAG_EVERY_MS, changed or not: a worker that hears nothing from the primary
   * for maxLagMs takes it for hung and answers SERVFAIL too.
   */
  | { readonly t: 'lag'; readonly behindSince: number | null };

export type FromWorker =
  /** Loaded and listening for messages: only now is the start message sure not to be dropped. */
  | { readonly t: 'ready' }
  /** Listening with the view of the start message: acknowledges its `seq`. */
  | { readonly t: 'listening'; readonly seq: number; readonly port: number }
  | { readonly t: 'ack'; readonly seq: number }
  /** Could not apply change `seq`: its copy is missing it, so it acknowledges and answers nothing more, and is replaced. */
  | { readonly t: 'apply-failed'; readonly seq: number; readonly message: string }
  | { readonly t: 'failed'; readonly message: string }
  /** A lookup or socket error; `lagMs` set for a lagging view (throttled by the worker). */
  | { readonly t: 'error'; readonly message: string; readonly lagMs?: number }
  | { readonly t: 'answers'; readonly tally: AnswerTally };
