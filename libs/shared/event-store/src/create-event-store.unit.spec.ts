import { describe, expect, it } from '@jest/globals';
import { createEventStore } from './create-event-store.js';
import { EventStoreDbEventStore, toEsdbScheme } from './eventstoredb.event-store.js';

describe('createEventStore', () => {
  it('picks EventStoreDB for esdb:// and kurrentdb:// connection strings', async () => {
    for (const eventStore of ['esdb://localhost:2113?tls=false', 'kurrentdb://localhost:2113?tls=false']) {
      const store = await createEventStore({ eventStore });
      expect(store).toBeInstanceOf(EventStoreDbEventStore);
      await store.close();
    }
  });

  it('needs a NATS connection or URL for jetstream, the default', async () => {
    await expect(createEventStore({})).rejects.toThrow(/NATS/);
    await expect(createEventStore({ eventStore: 'jetstream' })).rejects.toThrow(/NATS/);
  });

  it('rejects anything else without echoing a password', async () => {
    const error = await createEventStore({ eventStore: 'postgres://user:secret@db/events' }).catch((e: Error) => e);
    expect(String(error)).toMatch(/EVENT_STORE must be/);
    expect(String(error)).not.toMatch(/secret/);
  });
});

describe('toEsdbScheme', () => {
  it('maps KurrentDB schemes onto the ones db-client 6 knows', () => {
    expect(toEsdbScheme('kurrentdb://a:2113')).toBe('esdb://a:2113');
    expect(toEsdbScheme('kurrentdb+discover://a:2113')).toBe('esdb+discover://a:2113');
    expect(toEsdbScheme('esdb://a:2113')).toBe('esdb://a:2113');
  });
});
