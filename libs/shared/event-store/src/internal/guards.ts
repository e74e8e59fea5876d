// Argument checks both adapters share, so they fail the same way.
import { parseStreamId, type EventData, type ExpectedRevision } from '../event-store.port.js';

const CATEGORY = /^[a-z][a-z0-9_]*$/;

/** Validates an append's arguments; returns the parsed stream id. */
export function checkAppend(
  streamId: string,
  events: readonly EventData[],
  expected: ExpectedRevision,
): { category: string; id: string } {
  const parsed = parseStreamId(streamId);
  // An empty append would be a silent no-op on some stores and a new empty
  // stream on others; callers almost always mean a bug, so say so.
  if (events.length === 0) throw new Error(`append to ${streamId}: no events to append`);
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new Error(`append to ${streamId}: expected revision must be 'any', 'no_stream' or an integer >= 0, got ${expected}`);
  }
  return parsed;
}

export function checkCategory(category: string): void {
  if (!CATEGORY.test(category)) throw new Error(`invalid category "${category}": expected [a-z][a-z0-9_]*`);
}
