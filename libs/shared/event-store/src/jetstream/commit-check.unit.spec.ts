import { describe, expect, it } from '@jest/globals';
import { encodeCommit, eventPosition } from './commit.js';
import { lastPositionIn, MAX_COMMIT_BYTES, readCommit } from './commit-check.js';

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v));
const good = { v: 1, stream: 'zone-x', prev: 0, first: 0, events: [{ id: 'e1', type: 'RecordAdded', data: 'AAE=', metadata: { k: 'v' } }] };
const reasonOf = (bytes: Uint8Array, subject = 'es.zone.x') => {
  const read = readCommit(bytes, subject, 'es');
  return read.ok ? 'ok' : read.reason;
};

describe('what counts as a commit on an event-store subject', () => {
  it('accepts what encodeCommit writes, on its own subject', () => {
    const bytes = encodeCommit({ streamId: 'zone-x', prev: 3, first: 2, events: [{ id: 'a', type: 'T', data: Uint8Array.from([1, 2]), metadata: {} }] });
    const read = readCommit(bytes, 'es.zone.x', 'es');
    expect(read).toEqual({ ok: true, value: expect.objectContaining({ streamId: 'zone-x', prev: 3, first: 2 }) });
    expect(reasonOf(json(good))).toBe('ok');
  });

  it.each([
    ['plain text', text('not-a-commit'), 'not_json'],
    ['an empty message', new Uint8Array(), 'not_json'],
    ['binary bytes', Uint8Array.from([0xff, 0xfe, 0x00, 0x81]), 'binary'],
    ['JSON that is not an object', json([1, 2]), 'wrong_shape'],
    ['JSON null', json(null), 'wrong_shape'],
    ['JSON without a version', json({ hello: 'world' }), 'wrong_shape'],
    ['a commit of version 2', json({ ...good, v: 2 }), 'unknown_version'],
    ['a version that is a string', json({ ...good, v: '1' }), 'unknown_version'],
    ['a commit of another stream', json({ ...good, stream: 'zone-y' }), 'stream_mismatch'],
    ['a commit of a stream in another category', json({ ...good, stream: 'account-x' }), 'stream_mismatch'],
    ['a stream id that is not one', json({ ...good, stream: '../../etc' }), 'stream_mismatch'],
    ['a negative prev', json({ ...good, prev: -1 }), 'wrong_shape'],
    ['a fractional first', json({ ...good, first: 0.5 }), 'wrong_shape'],
    ['no events', json({ ...good, events: [] }), 'wrong_shape'],
    ['events that are not a list', json({ ...good, events: { 0: good.events[0] } }), 'wrong_shape'],
    ['an event without a type', json({ ...good, events: [{ id: 'e', data: '' }] }), 'wrong_shape'],
    ['data that is not base64', json({ ...good, events: [{ ...good.events[0], data: 'not base64!' }] }), 'wrong_shape'],
    ['metadata that is not strings', json({ ...good, events: [{ ...good.events[0], metadata: { k: 1 } }] }), 'wrong_shape'],
    ['a commit over the size limit', json({ ...good, pad: 'x'.repeat(MAX_COMMIT_BYTES) }), 'oversize'],
  ])('parks %s', (_, bytes, reason) => {
    expect(reasonOf(bytes)).toBe(reason);
  });

  it('checks the size before reading anything', () => {
    const huge = new Uint8Array(MAX_COMMIT_BYTES + 1).fill(0xff);
    expect(reasonOf(huge)).toBe('oversize');
  });

  it('gives garbage the position of its own message, so catching up can pass it', () => {
    expect(lastPositionIn({ seq: 9, subject: 'es.zone.x', data: text('junk') }, 'es')).toBe(eventPosition(9, 0));
    const two = encodeCommit({ streamId: 'zone-x', prev: 0, first: 0, events: [1, 2].map((i) => ({ id: `${i}`, type: 'T', data: new Uint8Array(), metadata: {} })) });
    expect(lastPositionIn({ seq: 9, subject: 'es.zone.x', data: two }, 'es')).toBe(eventPosition(9, 1));
  });
});
