import type { RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { describe, expect, it } from '@jest/globals';
import { fromEsdbEvent, toEsdbEvent } from './mapping.js';

const data = Uint8Array.from([1, 2, 3]);

function recorded(id: string, metadata: unknown): EsdbRecordedEvent {
  return { streamId: 'order-1', id, isJson: false, revision: 4n, type: 'Placed', created: new Date(0), data, metadata } as EsdbRecordedEvent;
}

describe('EventStoreDB mapping', () => {
  it('passes UUID ids through and stores binary data with metadata as JSON', () => {
    const id = '0b0f4f52-3c57-4a3e-9f6f-2d1c8f0e6a11';
    expect(toEsdbEvent({ id, type: 'Placed', data, metadata: { k: 'v' } })).toEqual({
      id,
      contentType: 'application/octet-stream',
      type: 'Placed',
      data,
      metadata: { k: 'v' },
    });
  });

  it('gives a non-UUID id a stable UUID and restores the original on the way back', () => {
    const a = toEsdbEvent({ id: '01J9ZK3V7Q', type: 'Placed', data });
    const b = toEsdbEvent({ id: '01J9ZK3V7Q', type: 'Placed', data });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.id).toBe(a.id);

    const back = fromEsdbEvent(recorded(a.id, a.metadata), 10n);
    expect(back).toMatchObject({ id: '01J9ZK3V7Q', metadata: {}, revision: 4, position: 10n, streamId: 'order-1' });
  });

  it('reads foreign metadata as strings and JSON events as their bytes', () => {
    const event = fromEsdbEvent(
      { ...recorded('x', { n: 1, s: 'two' }), isJson: true, data: { a: 1 } } as unknown as EsdbRecordedEvent,
      1n,
    );
    expect(event.metadata).toEqual({ n: '1', s: 'two' });
    expect(new TextDecoder().decode(event.data)).toBe('{"a":1}');
  });
});
