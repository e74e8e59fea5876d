// When billing's record of ownership is complete for an instant. The
// integration publisher (resources) says how far it has published: "every
// fact of an event recorded before `throughMs` is on the stream at or before
// sequence `seq`". Billing reads only the facts (`<prefix>.v1.>`), so other
// messages on the stream must not count: a watermark is covered once the
// feed has applied the fact at `seq` or later, or once the first fact after
// the last one applied lies beyond `seq` (what is between is not facts).
// A flow of second `s` is classified only once the record is complete
// through the end of that second: no fact that could change its class can
// still come.
import { SECOND_MS } from './period.js';

export interface PublisherWatermark {
  readonly throughMs: number;
  readonly seq: number;
}

/**
 * The instant the record is complete through (the latest covered watermark's,
 * never earlier than `completeMs`), and the watermarks still waiting.
 * `nextFactSeq`: the sequence of the first fact after `appliedSeq` on the
 * stream (Infinity when there is none).
 */
export function settleWatermarks(waiting: readonly PublisherWatermark[], completeMs: number, appliedSeq: number, nextFactSeq: number): { completeMs: number; waiting: PublisherWatermark[] } {
  let complete = completeMs;
  const still: PublisherWatermark[] = [];
  for (const w of waiting) {
    if (w.seq <= appliedSeq || w.seq < nextFactSeq) complete = Math.max(complete, w.throughMs);
    else still.push(w);
  }
  return { completeMs: complete, waiting: still };
}

/** The instant the record must be complete through before a flow starting at `startMs` is classified. */
export const neededFor = (startMs: number): number => startMs + SECOND_MS;

/** A watermark message as the publisher writes it (`{"through_ms", "seq"}`), or undefined for anything else. */
export function readWatermark(text: string): PublisherWatermark | undefined {
  try {
    const json = JSON.parse(text) as { through_ms?: unknown; seq?: unknown };
    if (!Number.isSafeInteger(json.through_ms) || !Number.isSafeInteger(json.seq) || (json.seq as number) < 0) return undefined;
    return { throughMs: json.through_ms as number, seq: json.seq as number };
  } catch {
    return undefined;
  }
}
