import { describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import type { KvEntry } from '@nats-io/kv';
import { ResourceDesiredSchema } from '@pn/contracts';
import { desiredDigest, encodeDesired, readDataplaneEntry } from './dataplane-bucket.js';

const record = (over: Record<string, unknown> = {}) =>
  create(ResourceDesiredSchema, { resourceId: 'vm_1', networkId: 'net_1', networkCidr: '10.0.0.0/16', kind: 'vm', privateIp: '10.0.1.1', revision: 4n, ...over });

const entry = (key: string, text: string, operation: KvEntry['operation'] = 'PUT'): KvEntry => {
  const value = new TextEncoder().encode(text);
  return { key, value, operation, revision: 1, length: value.length, string: () => text, json: () => JSON.parse(text), created: new Date(), bucket: 'b', delta: 0 } as KvEntry;
};

describe('entries of the dataplane bucket', () => {
  it('reads a record under its own key, and a deletion as no value', () => {
    expect(readDataplaneEntry(entry('desired.vm_1', encodeDesired(record())))).toMatchObject({ type: 'desired', resourceId: 'vm_1', value: { privateIp: '10.0.1.1' } });
    expect(readDataplaneEntry(entry('desired.vm_1', '', 'DEL'))).toEqual({ type: 'desired', resourceId: 'vm_1', value: undefined });
  });

  it.each([
    ['a value copied under another resource key', 'desired.vm_2', encodeDesired(record())],
    ['text that is not JSON', 'desired.vm_1', 'not-a-record'],
    ['a field of the wrong type', 'desired.vm_1', '{"resourceId":"vm_1","privateIp":7}'],
    ['an unknown kind of key', 'secret.vm_1', encodeDesired(record())],
    ['a key with a wildcard-looking or deeper id', 'desired.vm_1.x', encodeDesired(record())],
    ['an oversized value', 'desired.vm_1', toJsonString(ResourceDesiredSchema, record({ name: 'x'.repeat(20_000) }))],
  ])('parks %s as garbage', (_, key, text) => {
    expect(readDataplaneEntry(entry(key, text)).type).toBe('garbage');
  });

  it('digests what a record asks, not the revision it was written at', () => {
    expect(desiredDigest(record({ revision: 9n }))).toBe(desiredDigest(record()));
    expect(desiredDigest(record({ stopped: true }))).not.toBe(desiredDigest(record()));
    expect(desiredDigest(record({ publicPorts: [{ port: 22, protocol: 'tcp' }] }))).not.toBe(desiredDigest(record()));
  });
});
