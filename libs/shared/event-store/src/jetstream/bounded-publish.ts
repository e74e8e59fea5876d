// An append's publish, within the time its caller still waits. The client's
// own retries (`retries: 3`, each waiting its 5-s timeout) kept an append
// that was in flight when the stream's leader died waiting ~15 s: the create
// it was made for ran on long after the gateway had answered 504, and every
// retry of that create (same Idempotency-Key) was refused 409 "still being
// processed" meanwhile. A NATS node killed under creates then left none
// succeeding for 16–19 s (nats-cluster suite) though a new leader answered
// after ~5 s. Within a budget, each attempt waits ATTEMPT_MS at most and
// attempts follow one another until the budget is spent: an append made
// while the stream elects lands once it has a leader, and gives up when
// nobody waits for it any more. The message id is the same on every attempt,
// so one that did land and whose ack was lost is not stored twice.
import type { JetStreamClient, JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isJetStreamUnavailable } from './availability.js';

/** One attempt's wait for its ack: a stream with a leader acks in milliseconds. */
export const ATTEMPT_MS = 2000;
/** Between attempts; and no attempt is begun with less than this left. */
export const PAUSE_MS = 100;
/** Without a budget (work outside any request): the client's own way, as before. */
const UNBOUNDED_RETRIES = 3;

type Publish = Pick<JetStreamClient, 'publish'>;

/** Publishes within `budgetMs` (undefined: no budget); rethrows the last error once it is spent, or at once when it is not "not now". */
export async function boundedPublish(js: Publish, subject: string, data: Uint8Array, options: Partial<JetStreamPublishOptions>, budgetMs: number | undefined): Promise<PubAck> {
  if (budgetMs === undefined) return js.publish(subject, data, { ...options, retries: UNBOUNDED_RETRIES });
  const until = Date.now() + budgetMs;
  for (;;) {
    const left = until - Date.now();
    try {
      return await js.publish(subject, data, { ...options, retries: 1, timeout: Math.max(PAUSE_MS, Math.min(ATTEMPT_MS, left)) });
    } catch (error) {
      if (!isJetStreamUnavailable(error) || until - Date.now() < 2 * PAUSE_MS) throw error;
      await sleep(PAUSE_MS);
    }
  }
}
