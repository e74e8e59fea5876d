// Appending the batches one partition append takes (flow-meter.ts): merged
// into one append while their commit stays within the budget, each alone when
// the merged one fails, and a batch too large alone in pieces. A merged append
// that fails may fail for one batch's sake (or for its size): the others are
// then still recorded rather than redelivered, merged again and failed again
// until every message is parked. Exactly once throughout: each flow counts
// once by its dedup key, whichever append records it.
import { commitBytesOf, splitBatch, type MeteredFlow, type ParkedFlow } from '@pn/billing-domain';

export interface WaitingBatch {
  readonly flows: MeteredFlow[];
  /** Its records parked (their event is bounded whatever their number: parked-records.ts). */
  readonly parked: ParkedFlow[];
  /** Its event estimate (eventBytesOf). */
  readonly bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export type AppendFlows = (flows: MeteredFlow[], parked: ParkedFlow[]) => Promise<void>;

/** Records the batches and settles each: resolved once its flows are recorded, rejected with the error of its own append. */
export async function appendTaken(batches: readonly WaitingBatch[], append: AppendFlows, budget: number): Promise<void> {
  if (batches.length === 1) {
    await settle(batches[0]!, append, budget);
    return;
  }
  try {
    await append(
      batches.flatMap((b) => b.flows),
      batches.flatMap((b) => b.parked),
    );
    for (const b of batches) b.resolve();
    return;
  } catch {
    // Each alone: the one at fault fails by itself.
  }
  for (const b of batches) await settle(b, append, budget);
}

async function settle(batch: WaitingBatch, append: AppendFlows, budget: number): Promise<void> {
  try {
    if (commitBytesOf(batch.bytes) <= budget) await append(batch.flows, batch.parked);
    else for (const [i, piece] of splitBatch(batch.flows, budget).entries()) await append(piece, i === 0 ? batch.parked : []);
    batch.resolve();
  } catch (error) {
    batch.reject(error);
  }
}
