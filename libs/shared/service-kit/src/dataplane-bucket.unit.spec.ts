import { describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import type { KvEntry } from '@nats-io/kv';
import { ResourceAttachmentSchema, ResourceDesiredSchema } from '@pn/contracts';
import { desiredDigest, encodeAttachment, encodeDesired, readDataplaneEntry } from './dataplane-bucket.js';

const record = (over: Record<string, unknown> = {}) =>
  create(ResourceDesiredSchema, { resourceId: 'vm_1', networkId: 'net_1', networkCidr: '10.0.0.0/16', kind: 'vm', privateIp: '10.0.1.1', revision: 4n, ...over });

const entry = (key: string, text: string, operation: KvEntry['operation'] = 'PUT'): KvEntry => {
  const value = new TextEncoder().encode(text);
  return { key, value, operation, revision: 1, length: value.length, string: () => text, json: () => JSON.parse(text), created: new Date(), bucket: 'b', delta: 0 } as KvEntry;
};

describe('entries of the dataplane bucket', () => {
  it('reads a record under its own key, and a deletion as no value', () => {
    expect(readDataplaneEntry(entry('desired.h1.vm_1', encodeDesired(record())))).toMatchObject({ type: 'desired', hostId: 'h1', resourceId: 'vm_1', value: { privateIp: '10.0.1.1' } });
    expect(readDataplaneEntry(entry('desired.h1.vm_1', '', 'DEL'))).toEqual({ type: 'desired', hostId: 'h1', resourceId: 'vm_1', value: undefined });
  });

  it('reads a report only under the key of the host and resource it names', () => {
    const report = encodeAttachment(create(ResourceAttachmentSchema, { resourceId: 'vm_1', hostId: 'h1', state: 'attached' }));
    expect(readDataplaneEntry(entry('status.h1.vm_1', report))).toMatchObject({ type: 'status', hostId: 'h1', resourceId: 'vm_1', value: { state: 'attached' } });
    expect(readDataplaneEntry(entry('status.h2.vm_1', report))).toMatchObject({ type: 'garbage', reason: 'key names h2, value h1' });
    expect(readDataplaneEntry(entry('status.h1.vm_2', report)).type).toBe('garbage');
  });

  it.each([
    ['a value copied under another resource key', 'desired.h1.vm_2', encodeDesired(record())],
    ['text that is not JSON', 'desired.h1.vm_1', 'not-a-record'],
    ['a field of the wrong type', 'desired.h1.vm_1', '{"resourceId":"vm_1","privateIp":7}'],
    ['an unknown kind of key', 'secret.h1.vm_1', encodeDesired(record())],
    ['a key without its host (the layout of before)', 'desired.vm_1', encodeDesired(record())],
    ['a key with a deeper id', 'desired.h1.vm_1.x', encodeDesired(record())],
    ['an oversized value', 'desired.h1.vm_1', toJsonString(ResourceDesiredSchema, record({ name: 'x'.repeat(20_000) }))],
  ])('parks %s as garbage', (_, key, text) => {
    expect(readDataplaneEntry(entry(key, text)).type).toBe('garbage');
  });

  it('digests what a record asks, not the revision it was written at', () => {
    expect(desiredDigest(record({ revision: 9n }))).toBe(desiredDigest(record()));
    expect(desiredDigest(record({ stopped: true }))).not.toBe(desiredDigest(record()));
    expect(desiredDigest(record({ publicPorts: [{ port: 22, protocol: 'tcp' }] }))).not.toBe(desiredDigest(record()));
  });
});
