// Noticing that a consumer went silent, and ending its `consume()` so the
// caller can create it again.
//
// Why: @nats-io/jetstream 3.4 recovers a consume() only from some failures.
// When the node holding a consumer dies (an ordered consumer is R1, and sits
// with the stream leader), its heartbeats stop; the client then asks for the
// consumer's info until it answers, and a consumer on a dead node never
// answers (timeouts, not "consumer not found"), so the ordered consumer is
// never recreated and messages stop until that node comes back. After a
// reconnect to another node the same happens, with the heartbeat monitor not
// even restarted. And with the default 30 s pull, heartbeats come every 15 s,
// so even a recoverable loss took ~30 s to notice.
//
// So pulls here are short and heartbeats frequent, and anything that shows
// the server is delivering (a message, a heartbeat, an expired pull) counts
// as a sign of life; after `silenceMs` without one, or at once on the
// statuses that say the consumer is gone, the iterator is stopped with an
// error and the caller's loop recreates the consumer from where it was.
import type { ConsumerMessages } from '@nats-io/jetstream';

/** Pull options for consume(): a pull every 5 s, a heartbeat every second while one waits. */
export const LIVELY_PULL = { expires: 5000, idle_heartbeat: 1000 } as const;
/**
 * Timeout of the API calls that (re)create a consumer. They answer in
 * milliseconds; while a stream elects a leader they are dropped, and each try
 * would wait the client's default 5 s: two such tries kept read models ~11 s
 * behind after a kill. A try that times out is simply made again.
 */
export const CONSUMER_API_TIMEOUT_MS = 2000;
/** Silence after which a consumer is taken for lost (a few missed heartbeats; a new leader takes ~5 s anyway). */
export const SILENCE_MS = 4000;

const SIGNS_OF_LIFE = new Set(['heartbeat', 'discard', 'debug', 'consumer_pinned', 'ordered_consumer_recreated']);
const GONE = new Set(['consumer_deleted', 'consumer_not_found', 'stream_not_found', 'no_responders']);

export class ConsumerLostError extends Error {
  constructor(readonly reason: string) {
    super(`consumer lost: ${reason}`);
    this.name = 'ConsumerLostError';
  }
}

/**
 * Watches `messages` until it stops; `touched()` must be called for each
 * message handed over (a message is a sign of life). Returns that function.
 */
export function watchLiveness(messages: ConsumerMessages, silenceMs = SILENCE_MS): () => void {
  let lastSign = Date.now();
  const touched = () => {
    lastSign = Date.now();
  };
  const lose = (reason: string) => {
    clearInterval(timer);
    messages.stop(new ConsumerLostError(reason));
  };
  // Messages that arrived count too, even while a slow handler has not taken them yet:
  // a busy stream sends no heartbeats, and a busy handler is not a lost consumer.
  let received = messages.getReceived();
  const timer = setInterval(() => {
    if (messages.getReceived() !== received || messages.getPending() > 0) {
      received = messages.getReceived();
      touched();
    }
    const silent = Date.now() - lastSign;
    if (silent > silenceMs) lose(`no heartbeat or message for ${silent} ms`);
  }, Math.min(1000, silenceMs / 2));
  timer.unref();
  void (async () => {
    for await (const status of messages.status()) {
      if (SIGNS_OF_LIFE.has(status.type)) touched();
      else if (GONE.has(status.type)) return lose(status.type);
    }
  })()
    .catch(() => {})
    .finally(() => clearInterval(timer));
  void messages.closed().then(
    () => clearInterval(timer),
    () => clearInterval(timer),
  );
  return touched;
}
