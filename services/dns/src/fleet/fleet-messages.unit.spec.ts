import { describe, expect, it } from '@jest/globals';
import { MAX_FLEET_MESSAGE_BYTES, readCaughtUpReply, readCaughtUpRequest, readHeartbeat } from './fleet-messages.js';

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v));
const id = '0b9c6a4e-2f1d-4c3b-9a8e-7d6c5b4a3f21';

describe('what the dns instances believe from each other', () => {
  it('reads heartbeats, caught-up requests and replies', () => {
    expect(readHeartbeat(json({ id }))).toEqual({ ok: true, value: { id } });
    expect(readHeartbeat(json({ id, leaving: true }))).toEqual({ ok: true, value: { id, leaving: true } });
    expect(readCaughtUpRequest(json({ streamId: 'zone-net_01', revision: 3 }))).toEqual({ ok: true, value: { streamId: 'zone-net_01', revision: 3 } });
    expect(readCaughtUpReply(json({ id, applied: false }))).toEqual({ ok: true, value: { id, applied: false } });
  });

  it.each([
    ['plain text', readHeartbeat, text('not-a-heartbeat'), 'not_json'],
    ['binary bytes', readHeartbeat, Uint8Array.from([0xff, 0xfe, 0x00]), 'binary'],
    ['an oversize message', readHeartbeat, json({ id, pad: 'x'.repeat(MAX_FLEET_MESSAGE_BYTES) }), 'oversize'],
    ['JSON that is not an object', readHeartbeat, json('hello'), 'wrong_shape'],
    ['a heartbeat without an id', readHeartbeat, json({ leaving: true }), 'wrong_shape'],
    ['a heartbeat with an absurd id', readHeartbeat, json({ id: 'x'.repeat(500) }), 'wrong_shape'],
    ['leaving that is not a boolean', readHeartbeat, json({ id, leaving: 'yes' }), 'wrong_shape'],
    ['a request without a revision', readCaughtUpRequest, json({ streamId: 'zone-net_01' }), 'wrong_shape'],
    ['a request with a fractional revision', readCaughtUpRequest, json({ streamId: 'zone-net_01', revision: 1.5 }), 'wrong_shape'],
    ['a request for something that is no stream', readCaughtUpRequest, json({ streamId: '../x', revision: 1 }), 'wrong_shape'],
    ['a reply that does not say whether', readCaughtUpReply, json({ id }), 'wrong_shape'],
  ])('parks %s', (_, reader, bytes, reason) => {
    expect((reader as (b: Uint8Array) => unknown)(bytes)).toMatchObject({ ok: false, reason });
  });
});
