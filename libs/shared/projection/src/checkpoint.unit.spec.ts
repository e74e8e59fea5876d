import { describe, expect, it } from '@jest/globals';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

describe('checkpoints on the wire', () => {
  it('round-trips state, position and parked count', () => {
    const bytes = encodeCheckpoint('p.v1', { position: 2n ** 60n + 3n, parked: 2, state: { a: [1, 2] } });
    expect(decodeCheckpoint('p.v1', bytes)).toEqual({ position: 2n ** 60n + 3n, parked: 2, state: { a: [1, 2] } });
  });

  it.each([
    ['garbage', Buffer.from('{nope'), /not JSON/],
    ['another format', Buffer.from('{"v":2}'), /unknown format/],
    ['another projection', encodeCheckpoint('q.v1', { position: 1n, parked: 0, state: null }), /belongs to q.v1/],
    ['a bad position', Buffer.from('{"v":1,"projection":"p.v1","position":"-1","parked":0}'), /no valid position/],
    ['null', Buffer.from('null'), /unknown format/],
  ])('refuses %s', (_, bytes, reason) => {
    const decoded = decodeCheckpoint('p.v1', bytes);
    expect('unusable' in decoded && decoded.unusable).toMatch(reason);
  });
});
