// Waiting for JetStream instead of failing: in a cluster, JetStream is
// briefly unavailable while its nodes elect leaders (at boot, and for ~5 s
// after a node dies): API calls time out, find no responders, or are refused
// with 10008 "JetStream system temporarily unavailable". A service that met
// one of those while creating its streams or reading for the first time used
// to exit, and its supervisor backed off for up to 30 s. Such errors are now
// retried with backoff; whatever is being waited for is listed, so health
// reports can say so.
import { setTimeout as sleep } from 'node:timers/promises';

/** API error codes that only mean "not now": the cluster is electing, or a peer for an R3 placement is still away. */
const TRANSIENT_CODES = new Set([
  10008, // JetStream system temporarily unavailable
  10005, // no suitable peers for placement (a replica's node is not back yet)
  10023, // insufficient resources (the same, seen from the placement)
  10076, // JetStream not enabled (yet: the meta leader is not elected)
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'NoResponders', 'RequestError', 'JetStreamNotEnabled', 'ConnectionError']);

/** Whether an error only says JetStream cannot answer right now (by name and code: a process may hold two copies of the client). */
export function isJetStreamUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) return true;
  if (TRANSIENT_NAMES.has(error.name)) return true;
  if (/temporarily unavailable|no suitable peers|insufficient resources|timeout|no responders/i.test(error.message)) return true;
  return error.cause !== undefined && isJetStreamUnavailable(error.cause, depth + 1);
}

const waits = new Map<number, string>();
let nextWait = 0;

/** What this process is waiting on JetStream for right now (empty when nothing). */
export function jetStreamWaits(): string[] {
  return [...new Set(waits.values())];
}

/** Marks `what` as waiting for JetStream until the returned function is called. */
export function markJetStreamWait(what: string): () => void {
  const id = nextWait++;
  waits.set(id, what);
  return () => waits.delete(id);
}

export interface UntilAvailableOptions {
  /** Stops waiting (the call then rejects with the last error). */
  readonly signal?: AbortSignal;
  /** First pause; doubled per attempt up to maxDelayMs. Default 250 ms. */
  readonly initialDelayMs?: number;
  /**
   * Default 2 s. A refusal during an election is immediate and cheap, and a
   * stream's election after a whole-cluster restart took up to ~20 s here:
   * pauses of 5 s left services waiting up to 5 s after JetStream was back.
   */
  readonly maxDelayMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Runs `attempt` until it succeeds, waiting while JetStream is unavailable
 * (with backoff, for as long as it takes). Other errors (a bad config, a
 * stream with limits) are thrown at once.
 */
export async function untilJetStreamAvailable<T>(what: string, attempt: () => Promise<T>, options: UntilAvailableOptions = {}): Promise<T> {
  const log = options.log ?? ((message: string) => console.warn(`[event-store] ${message}`));
  let delay = options.initialDelayMs ?? 250;
  let done: (() => void) | undefined;
  const started = Date.now();
  // Said when the wait starts, then every 15 s (a timed-out attempt alone takes 5 s), and when it ends.
  let saidAt = 0;
  try {
    for (let tries = 1; ; tries++) {
      try {
        const result = await attempt();
        if (done) log(`JetStream available: ${what} after ${Date.now() - started} ms (${tries} attempts)`);
        return result;
      } catch (error) {
        if (!isJetStreamUnavailable(error) || options.signal?.aborted) throw error;
        done ??= markJetStreamWait(what);
        if (Date.now() - saidAt >= 15_000) {
          saidAt = Date.now();
          log(`waiting for JetStream: ${what} (${String(error)}; attempt ${tries}, ${saidAt - started} ms so far, next in ${delay} ms)`);
        }
        await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
        delay = Math.min(delay * 2, options.maxDelayMs ?? 2000);
      }
    }
  } finally {
    done?.();
  }
}
