// An answering worker's copy of the zone view, and what it says back for each
// change. Only a change the copy applied is acknowledged: the primary counts
// an ack as "this worker answers it" (caughtUp), and it sends only changes its
// own view applied, so one the copy cannot apply means the copy is wrong. From
// then on the copy acknowledges nothing (an ack covers every change below it)
// and answers nothing; the primary replaces the worker (see AckLedger.failed),
// and the replacement loads the whole view.
import { applyToView, type ZoneView } from '../zone/zone-view.projection.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

export class WorkerCopy {
  private failedAt: number | undefined;

  constructor(readonly view: ZoneView) {}

  /** The copy is missing a change: it must not answer. */
  get failed(): boolean {
    return this.failedAt !== undefined;
  }

  /** Applies a change: the answer for the primary (nothing after a failure, already reported once). */
  apply(message: Extract<ToWorker, { t: 'apply' }>): FromWorker | undefined {
    if (this.failedAt !== undefined) return undefined;
    try {
      applyToView(this.view, message.streamId, message.events, message.revision);
    } catch (error) {
      this.failedAt = message.seq;
      return { t: 'apply-failed', seq: message.seq, message: String(error) };
    }
    return { t: 'ack', seq: message.seq };
  }
}
