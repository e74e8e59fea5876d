// A category subscription over JetStream: an ordered consumer (ephemeral,
// flow-controlled, recreated by the client on gaps) filtered on
// `<prefix>.<category>.>`, starting at the commit of the checkpoint and
// skipping its events up to the checkpoint (so a checkpoint midway through an
// append resumes with the rest of it). The handler sees one event at a time;
// on failure the same event is retried in place, which keeps order without
// acks. If the consumer itself fails, or goes silent (its node died), the
// consumer loop (consumer-loop.ts) recreates it the same way from the last
// event handled.
//
// A message on the category's subjects that is not a commit (garbage: anyone
// allowed to publish there can put anything) is parked in the store's garbage
// bin and skipped; retrying it could never succeed, and the stream denies
// deletes, so stopping on it would stop the category for good.
import { jetstream, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Subscription } from '../event-store.port.js';
import { Delivery, Latch } from '../internal/delivery.js';
import type { GarbageBin } from '../garbage/garbage-bin.js';
import { untilJetStreamAvailable } from './availability.js';
import { runConsumerLoop } from './consumer-loop.js';
import { commitSeq, eventPosition, recordedEvents } from './commit.js';
import { lastPositionIn, readCommit } from './commit-check.js';
import { CONSUMER_API_TIMEOUT_MS, LIVELY_PULL } from './liveness.js';

export interface SubscriptionTarget {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly category: string;
  readonly garbage: GarbageBin;
  /** Deliver the events whose position is greater than this. */
  readonly after: bigint;
}

export async function startSubscription(target: SubscriptionTarget, delivery: Delivery): Promise<Subscription> {
  const { nc, js, jsm, stream, subjectPrefix, category, garbage } = target;
  const filter = `${subjectPrefix}.${category}.>`;
  const caughtUp = new Latch();
  // Everything that exists now is at or below the newest matching sequence.
  // A first read while the cluster elects a leader waits for it rather than failing the service's start.
  const newest = await untilJetStreamAvailable(`reading the head of ${filter}`, () => jsm.direct.getMessage(stream, { last_by_subj: filter }));
  const catchUpTo = newest?.seq ?? 0;
  if (!newest || lastPositionIn(newest, subjectPrefix) <= target.after) {
    caughtUp.resolve();
  }

  let consumer: Consumer | undefined;
  // The checkpoint, then the last event handled: events at or before it are skipped.
  let handledUpTo = target.after;
  // Since when this subscription has known of events it has not handled: from
  // the moment a message arrives until one is handled with nothing pending
  // behind it on the server (`info.pending`, which the server keeps per
  // consumer: no scan of the stream). Lag is measured from it, for free.
  let behindSince: number | undefined = caughtUp.isResolved() ? undefined : Date.now();
  // Cut off from the server, nothing new arrives and `pending` says nothing:
  // a round trip every half second confirms the connection; the time since
  // the last confirmed one counts as being behind once it passes a second.
  let confirmedAt = Date.now();
  let confirming = false;
  // The stream sequence of the last message handled, and whether one is in hand.
  let handledSeq = 0;
  let handling = false;
  // Behind, yet no message in hand: the consumer may have been opened again
  // after a failure (which set behindSince) on a category with no event yet,
  // where nothing is delivered again and no message will ever come to clear
  // it. The server's count settles it: nothing pending, and everything
  // delivered handled, is current. Without this one lost pull on an empty
  // category (a fresh platform's projects) counted as lag for good.
  let settling = false;
  const settle = (): void => {
    const asked = consumer;
    if (!asked || settling || handling || nc.isClosed()) return;
    settling = true;
    asked
      .info()
      .then((info) => {
        if (asked !== consumer || handling || info.num_pending !== 0 || info.delivered.stream_seq > handledSeq) return;
        caughtUp.resolve();
        behindSince = undefined;
      })
      .catch(() => {})
      .finally(() => (settling = false));
  };
  const confirm = setInterval(() => {
    if (behindSince !== undefined && Date.now() - behindSince > 500) settle();
    if (confirming || nc.isClosed()) return;
    confirming = true;
    nc.flush()
      .then(() => (confirmedAt = Date.now()))
      .catch(() => {})
      .finally(() => (confirming = false));
  }, 500);
  confirm.unref();

  // One message: its events delivered in order (or it is parked as garbage), then the lag it settles.
  const handleMessage = async (m: JsMsg): Promise<boolean | void> => {
    const read = readCommit(m.data, m.subject, subjectPrefix);
    if (!read.ok) {
      garbage.park({ consumer: `es:${category}`, subject: m.subject, stream, seq: m.seq, reason: read.reason, detail: read.detail, bytes: m.data.byteLength });
      const past = eventPosition(m.seq, 0);
      if (past > handledUpTo) handledUpTo = past;
    }
    for (const event of read.ok ? recordedEvents(read.value, m.seq, m.time) : []) {
      if (event.position <= handledUpTo) continue;
      if (!(await delivery.deliver(event))) return false;
      handledUpTo = event.position;
    }
    // Or nothing is pending on the server: in a cluster the head read at the start comes from any
    // replica (direct get), and one that held more than the new leader kept would be waited for forever.
    if (m.seq >= catchUpTo || m.info.pending === 0) caughtUp.resolve();
    if (m.info.pending === 0) behindSince = undefined;
    handledSeq = m.seq;
  };

  const consumers = jetstream(nc, { ...js.getOptions(), timeout: CONSUMER_API_TIMEOUT_MS }).consumers;
  const loop = runConsumerLoop({
    what: `subscription on ${filter}`,
    stopped: () => delivery.stopped || nc.isClosed(),
    open: async () => {
      const startSeq = Math.max(1, commitSeq(handledUpTo));
      const opened = await consumers.get(stream, { filter_subjects: filter, opt_start_seq: startSeq });
      handledSeq = startSeq - 1;
      consumer = opened;
      const pull = await opened.consume({ max_messages: 256, ...LIVELY_PULL });
      // Nothing at all to deliver: caught up, though no message will come to say so. (In a cluster the head
      // read at the start comes from any replica, and one may hold more than the new leader kept.)
      settle();
      return pull;
    },
    handle: async (m) => {
      behindSince ??= Date.now();
      handling = true;
      try {
        return await handleMessage(m);
      } finally {
        handling = false;
      }
    },
    failed: () => {
      behindSince ??= Date.now();
      // Not awaited: a consumer on a dead node answers nothing until the request times out (it expires by itself).
      // Forgotten at once, so that its count, if it still answers, does not settle the lag of its successor.
      const lost = consumer;
      consumer = undefined;
      void lost?.delete().catch(() => {});
    },
    pause: () => delivery.pause(delivery.retryDelayMs),
  });

  return {
    caughtUp: caughtUp.promise,
    behindSince: () => {
      const cutOffSince = Date.now() - confirmedAt > 1000 ? confirmedAt : undefined;
      if (cutOffSince === undefined) return behindSince;
      return behindSince === undefined ? cutOffSince : Math.min(behindSince, cutOffSince);
    },
    close: async () => {
      clearInterval(confirm);
      delivery.stop();
      loop.stop();
      await loop.done;
      // Ephemeral consumers linger for minutes after their last pull otherwise.
      await consumer?.delete().catch(() => {});
      caughtUp.reject(new Error(`subscription on ${filter} closed before catching up`));
    },
  };
}
