import { describe, expect, it } from '@jest/globals';
import {
  commitSeq,
  encodeCommit,
  eventPosition,
  lastRevision,
  MAX_COMMIT_EVENTS,
  recordedEvents,
  type Commit,
} from './commit.js';
import { readCommit } from './commit-check.js';

const decodeCommit = (bytes: Uint8Array) => {
  const read = readCommit(bytes, 'es.order.42', 'es');
  if (!read.ok) throw new Error(`${read.reason}: ${read.detail}`);
  return read.value;
};

const commit: Commit = {
  streamId: 'order-42',
  prev: 17,
  first: 3,
  events: [
    { id: 'a', type: 'Placed', data: Uint8Array.from([0, 255, 7]), metadata: { by: 'me' } },
    { id: 'b', type: 'Paid', data: new Uint8Array(), metadata: {} },
  ],
};

describe('JetStream commit', () => {
  it('survives encoding, binary data included', () => {
    expect(decodeCommit(encodeCommit(commit))).toEqual(commit);
  });

  it('encodes a data view as its own bytes, not its whole buffer', () => {
    const view = new Uint8Array(Uint8Array.from([9, 1, 2, 9]).buffer, 1, 2);
    const [event] = decodeCommit(encodeCommit({ ...commit, events: [{ ...commit.events[0]!, data: view }] })).events;
    expect(Array.from(event!.data)).toEqual([1, 2]);
  });

  it('numbers events from `first`, each at its own position: commit sequence and index', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(lastRevision(commit)).toBe(4);
    expect(recordedEvents(commit, 99, at)).toEqual([
      expect.objectContaining({ streamId: 'order-42', id: 'a', revision: 3, position: (99n << 16n) | 0n, recordedAt: at }),
      expect.objectContaining({ streamId: 'order-42', id: 'b', revision: 4, position: (99n << 16n) | 1n, recordedAt: at }),
    ]);
  });

  it('orders positions by commit, then index, and finds the commit of a position', () => {
    const last = eventPosition(7, MAX_COMMIT_EVENTS - 1);
    expect(eventPosition(7, 0) < last).toBe(true);
    expect(last < eventPosition(8, 0)).toBe(true);
    expect(commitSeq(last)).toBe(7);
    expect(commitSeq(eventPosition(2 ** 40, 3))).toBe(2 ** 40);
  });

  it('refuses a format it does not know', () => {
    const v2 = new TextEncoder().encode(JSON.stringify({ v: 2 }));
    expect(() => decodeCommit(v2)).toThrow(/unknown_version: v=2/);
  });
});
