// The one way a JetStream consumer is kept going on this platform (the event
// store's category subscriptions, billing's ownership feed and its flow
// meter): a pull is opened from where its owner is, its messages are handed
// over one at a time, and when it fails or goes silent (its node died, see
// liveness.ts) it is opened again after a pause, for as long as the owner
// runs; meanwhile health reports list it as waiting for JetStream
// (availability.ts). Acknowledging is the handler's: a durable consumer's
// handler acks, naks or terms each message (redeliveries and their limit are
// the consumer's settings); an ordered consumer has nothing to ack.
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { markJetStreamWait } from './availability.js';
import { watchLiveness } from './liveness.js';

export interface ConsumerLoopOptions {
  /** Names the consumer in logs and in the waits health reports list. */
  readonly what: string;
  /** Opens a pull from where the owner is (an ordered consumer from its next sequence, a durable one as it stands). */
  open(): Promise<ConsumerMessages>;
  /** Takes one message; false ends the loop (the owner is done with it). A throw ends the pull, which is opened again. */
  handle(m: JsMsg): Promise<boolean | void> | boolean | void;
  /** The owner has stopped, or its connection closed: no pull is opened again. */
  stopped(): boolean;
  /** After a failure, before the pause (the owner of an ephemeral consumer deletes it, notes its lag). */
  failed?(error: unknown): void;
  /** Waited between a failure (or a pull that ended) and the next open: never a busy loop. */
  pause(): Promise<void>;
  readonly log?: (message: string) => void;
}

export interface ConsumerLoop {
  /** Ends the pull in hand; `done` resolves once the message being handled is. */
  stop(): void;
  readonly done: Promise<void>;
}

export function runConsumerLoop(options: ConsumerLoopOptions): ConsumerLoop {
  const log = options.log ?? ((message: string) => console.warn(`[event-store] ${message}`));
  let messages: ConsumerMessages | undefined;
  let stopping = false;
  const stopped = () => stopping || options.stopped();

  const run = async (): Promise<void> => {
    // Set while the pull is being opened again after a failure: health reports list it.
    let reopening: (() => void) | undefined;
    let failedAt = 0;
    try {
      while (!stopped()) {
        try {
          messages = await options.open();
          if (reopening) log(`${options.what}: pulling again ${Date.now() - failedAt} ms after it failed`);
          reopening?.();
          reopening = undefined;
          const touched = watchLiveness(messages);
          if (stopped()) messages.stop();
          for await (const m of messages) {
            touched();
            if ((await options.handle(m)) === false) return;
          }
        } catch (error) {
          messages?.stop();
          if (stopped()) return;
          options.failed?.(error);
          if (!reopening) {
            failedAt = Date.now();
            log(`${options.what} failed, opening it again: ${String(error)}`);
          }
          reopening ??= markJetStreamWait(options.what);
        }
        if (!stopped()) await options.pause();
      }
    } finally {
      reopening?.();
    }
  };

  const done = run();
  return {
    stop: () => {
      stopping = true;
      messages?.stop();
    },
    done,
  };
}
