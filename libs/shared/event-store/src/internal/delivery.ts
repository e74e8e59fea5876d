// Handler delivery shared by both adapters' subscriptions: one event at a time,
// in order, and a handler that throws gets the same event again after a delay,
// so a failing projection stalls instead of skipping (at-least-once).
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventHandler, RecordedEvent } from '../event-store.port.js';

export interface DeliveryOptions {
  /** Pause before a failed event is handed to the handler again; default 500 ms. */
  readonly retryDelayMs?: number;
  /** Told about each handler failure; default console.warn. */
  readonly onHandlerError?: (error: unknown, event: RecordedEvent) => void;
}

export class Delivery {
  readonly retryDelayMs: number;
  private readonly onHandlerError: (error: unknown, event: RecordedEvent) => void;
  private readonly stopper = new AbortController();

  constructor(
    private readonly handler: EventHandler,
    options: DeliveryOptions,
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.onHandlerError =
      options.onHandlerError ??
      ((error, event) =>
        console.warn(
          `[event-store] handler failed on ${event.streamId}@${event.revision} (position ${event.position}), retrying in ${this.retryDelayMs} ms:`,
          error,
        ));
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Ends retries and pauses at once; the subscription loop then winds down. */
  stop(): void {
    this.stopper.abort();
  }

  /** Resolves true once the handler succeeded, false if stopped first. */
  async deliver(event: RecordedEvent): Promise<boolean> {
    while (!this.stopped) {
      try {
        await this.handler(event);
        return true;
      } catch (error) {
        if (this.stopped) return false;
        this.onHandlerError(error, event);
        await this.pause(this.retryDelayMs);
      }
    }
    return false;
  }

  /** Waits, cut short by stop(). */
  async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopper.signal }).catch(() => {});
  }
}

/** A promise resolved from outside, at most once; a rejection nobody awaits does not crash the process. */
export class Latch {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;
  private settled = false;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = () => {
        this.settled = true;
        resolve();
      };
      this.reject = (error) => {
        this.settled = true;
        reject(error);
      };
    });
    this.promise.catch(() => {});
  }

  /** Whether resolve() or reject() has been called. */
  isResolved(): boolean {
    return this.settled;
  }
}
