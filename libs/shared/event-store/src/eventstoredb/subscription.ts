// A category subscription over EventStoreDB: a catch-up subscription to $all
// filtered on the stream-name prefix `<category>-`, consumed one event at a
// time (the handler is retried in place, which keeps order). If the
// subscription drops, it is resumed after the last event handled.
//
// Positions: the port's position is the commit position. Modern EventStoreDB
// gives every event its own (its record's log position); legacy explicit
// transactions gave all their events one commit position. Subscribing from
// {commit: after, prepare: after} and skipping whatever is not past the
// checkpoint on the client is correct for both.
//
// caughtUp: the newest position in $all at start bounds what "existed"; we are
// caught up once the handler has been through an event at or past it, or once
// the server says everything up to it has been sent (its `caughtUp` signal,
// server 23.10+, or a filter checkpoint past it) and the events sent before
// that signal have been handled.
import { BACKWARDS, END, START, streamNameFilter, type EventStoreDBClient, type Position } from '@eventstore/db-client';
import type { Subscription } from '../event-store.port.js';
import { Delivery, Latch } from '../internal/delivery.js';
import { fromEsdbEvent } from './mapping.js';

export async function startSubscription(
  client: EventStoreDBClient,
  category: string,
  after: bigint | undefined,
  delivery: Delivery,
): Promise<Subscription> {
  const caughtUp = new Latch();
  const end = await lastPosition(client);
  if (end === undefined || (after !== undefined && end.commit <= after)) caughtUp.resolve();

  let resumeFrom: Position | typeof START = after === undefined ? START : { commit: after, prepare: after };
  // Events at or before this are skipped; `prepare` at its maximum means "the whole commit".
  let handledUpTo: Position | undefined = after === undefined ? undefined : { commit: after, prepare: 2n ** 64n };
  let current: ReturnType<EventStoreDBClient['subscribeToAll']> | undefined;

  const run = async (): Promise<void> => {
    while (!delivery.stopped) {
      let pulled = 0;
      let handled = 0;
      let caughtUpAt = Infinity; // handled-count at which the server's signal holds
      // Signals arrive ahead of events still buffered in the stream: note how
      // many events were sent by then, resolve once that many are handled.
      const signal = (): void => {
        caughtUpAt = Math.min(caughtUpAt, pulled + (current?.readableLength ?? 0));
        if (handled >= caughtUpAt) caughtUp.resolve();
      };
      const subscription = client.subscribeToAll({
        fromPosition: resumeFrom,
        filter: streamNameFilter({
          prefixes: [`${category}-`],
          checkpointReached: (_s, position) => {
            if (end && position.commit >= end.commit) signal();
          },
        }),
      });
      current = subscription;
      subscription.on('caughtUp', signal);
      try {
        for await (const resolved of subscription) {
          pulled++;
          const event = resolved.event;
          if (event && !(handledUpTo && compare(event.position, handledUpTo) <= 0)) {
            if (!(await delivery.deliver(fromEsdbEvent(event, event.position.commit)))) return;
            handledUpTo = event.position;
            resumeFrom = event.position;
            if (end && compare(event.position, end) >= 0) caughtUp.resolve();
          }
          handled++;
          if (handled >= caughtUpAt) caughtUp.resolve();
        }
        if (delivery.stopped) return;
      } catch (error) {
        if (delivery.stopped) return;
        console.warn(`[event-store] EventStoreDB subscription on ${category} dropped, resuming:`, error);
      } finally {
        await subscription.unsubscribe().catch(() => {});
      }
      await delivery.pause(delivery.retryDelayMs);
    }
  };
  const done = run();

  return {
    caughtUp: caughtUp.promise,
    close: async () => {
      delivery.stop();
      await current?.unsubscribe().catch(() => {});
      current?.destroy();
      await done;
      caughtUp.reject(new Error(`subscription on ${category} closed before catching up`));
    },
  };
}

/** Position of the newest record in $all, or undefined when it is empty. */
async function lastPosition(client: EventStoreDBClient): Promise<Position | undefined> {
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
    return resolved.event?.position;
  }
  return undefined;
}

function compare(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}
