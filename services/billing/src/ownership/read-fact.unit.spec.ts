import { describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AddressHeldSchema, AddressHoldEndedSchema, AddressScope } from '@pn/contracts';
import { MAX_FACT_BYTES, readFact } from './read-fact.js';

const text = (s: string) => new TextEncoder().encode(s);
const heldJson = toJsonString(
  AddressHeldSchema,
  create(AddressHeldSchema, { sourceEventId: 'e1', scope: AddressScope.PRIVATE, ip: '10.0.1.1', heldFrom: timestampFromMs(1_000), resourceId: 'vm_1', networkId: 'net_1' }),
);
const endedJson = toJsonString(
  AddressHoldEndedSchema,
  create(AddressHoldEndedSchema, { sourceEventId: 'e2', scope: AddressScope.PUBLIC, ip: '203.0.113.9', heldUntil: timestampFromMs(2_000), resourceId: 'vm_1', networkId: 'net_1' }),
);
const reasonOf = (subject: string, bytes: Uint8Array) => {
  const read = readFact(subject, bytes, 'in');
  return read.ok ? 'ok' : read.reason;
};

describe('what billing takes as an ownership fact', () => {
  it('reads the facts the publisher writes', () => {
    expect(readFact('in.v1.address_held.net_1', text(heldJson), 'in')).toEqual({ ok: true, value: { held: expect.objectContaining({ ip: '10.0.1.1', scope: 'private', fromMs: 1_000 }) } });
    expect(readFact('in.v1.address_hold_ended.net_1', text(endedJson), 'in')).toEqual({ ok: true, value: { ended: expect.objectContaining({ scope: 'public', untilMs: 2_000 }) } });
  });

  it.each([
    ['plain text', 'in.v1.address_held.x', text('not-a-fact'), 'not_json'],
    ['binary bytes', 'in.v1.address_held.x', Uint8Array.from([0x00, 0xff, 0x10]), 'binary'],
    ['JSON that is not an object', 'in.v1.address_held.x', text('[1]'), 'wrong_shape'],
    ['an object with no fact in it', 'in.v1.address_held.x', text('{"hello":"world"}'), 'wrong_shape'],
    ['a field of the wrong type', 'in.v1.address_held.x', text('{"ip":42}'), 'wrong_shape'],
    ['an address that is not IPv4', 'in.v1.address_held.x', text(heldJson.replace('10.0.1.1', 'nope')), 'wrong_shape'],
    ['a held fact on the ended subject', 'in.v1.address_hold_ended.x', text(heldJson), 'wrong_shape'],
    ['a subject that carries no fact', 'in.v1.something_else.x', text(heldJson), 'wrong_shape'],
    ['a fact of a version billing does not read', 'in.v2.address_held.x', text(heldJson), 'wrong_shape'],
    ['a message over the size limit', 'in.v1.address_held.x', text(`{"pad":"${'x'.repeat(MAX_FACT_BYTES)}"}`), 'oversize'],
  ])('parks %s', (_, subject, bytes, reason) => {
    expect(reasonOf(subject, bytes)).toBe(reason);
  });
});
