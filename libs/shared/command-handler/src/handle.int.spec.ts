// CommandHandler on a real event store (JetStream): what it appends, and how
// it behaves when writers race on one stream.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError, type Decider } from '@pn/decider';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createJetStreamEventStore, MemorySnapshotStore, type EventStore, type JetStreamEventStore, type ReadOptions } from '@pn/event-store';
import { startNats, uniqueId, type StartedNats } from '@pn/test-support';
import { CommandHandler, type EventCodec } from './handle.js';

// A ticket dispenser: every command takes the next number, so a lost race that
// was not re-decided would show up as two holders of one number.
type Command = { type: 'Take'; holder: string };
type Event = { type: 'Taken'; holder: string; number: number };
type State = { next: number; holders: Map<string, number> };

const dispenser: Decider<Command, Event, State> = {
  initialState: () => ({ next: 1, holders: new Map() }),
  decide: (command, state) => {
    if (command.holder === '') throw new DomainError('invalid_holder', 'holder must not be empty');
    if (state.holders.has(command.holder)) return [];
    return [{ type: 'Taken', holder: command.holder, number: state.next }];
  },
  evolve: (state, event) => ({ next: event.number + 1, holders: new Map(state.holders).set(event.holder, event.number) }),
};

const codec: EventCodec<Event> = {
  encode: (e) => ({ type: e.type, data: new TextEncoder().encode(JSON.stringify(e)) }),
  decode: (r) => (r.type === 'Taken' ? (JSON.parse(new TextDecoder().decode(r.data)) as Event) : undefined),
};

let nats: StartedNats;
let store: JetStreamEventStore;

beforeAll(async () => {
  nats = await startNats();
  store = await createJetStreamEventStore(nats.url, { stream: uniqueId('CH').toUpperCase(), subjectPrefix: uniqueId('ch') });
}, 120_000);

afterAll(async () => {
  // Leave nothing behind on a shared NATS.
  const nc = await connect({ servers: nats.url });
  await (await jetstreamManager(nc)).streams.delete(store.stream).catch(() => false);
  await nc.close();
  await store?.close();
  await nats?.stop();
});

describe('CommandHandler', () => {
  it('appends what decide returns and reports the new revision', async () => {
    const handler = new CommandHandler(store, dispenser, codec);
    const stream = `tickets-${uniqueId()}`;
    const first = await handler.handle(stream, { type: 'Take', holder: 'a' });
    expect(first.newEvents).toEqual([{ type: 'Taken', holder: 'a', number: 1 }]);
    expect(first.revision).toBe(0);
    const again = await handler.handle(stream, { type: 'Take', holder: 'a' });
    expect(again.newEvents).toEqual([]);
    expect(again.revision).toBe(0);
    expect((await store.read(stream)).map((e) => e.revision)).toEqual([0]);
  });

  it('appends nothing when decide throws', async () => {
    const handler = new CommandHandler(store, dispenser, codec);
    const stream = `tickets-${uniqueId()}`;
    await expect(handler.handle(stream, { type: 'Take', holder: '' })).rejects.toMatchObject({ code: 'invalid_holder' });
    expect(await store.read(stream)).toEqual([]);
  });

  it('re-decides after losing a race, so two instances never hand out one number twice', async () => {
    // Separate handlers stand for separate service instances with their own caches.
    const instances = [1, 2, 3].map(() => new CommandHandler(store, dispenser, codec, { cacheState: true, maxRetries: 100 }));
    const stream = `tickets-${uniqueId()}`;
    const holders = Array.from({ length: 60 }, (_, i) => `h${i}`);
    await Promise.all(holders.map((holder, i) => instances[i % instances.length]!.handle(stream, { type: 'Take', holder })));
    const events = (await store.read(stream)).map((r) => codec.decode(r)!);
    expect(events).toHaveLength(holders.length);
    expect(new Set(events.map((e) => e.number)).size).toBe(holders.length);
    expect(events.map((e) => e.number)).toEqual(holders.map((_, i) => i + 1));
    // A cached instance catches up with what the others appended.
    const { state } = await instances[0]!.load(stream);
    expect(state.holders.size).toBe(holders.length);
  });
});

describe('CommandHandler with a cache', () => {
  it('decides on the cache, and still catches what another instance wrote since', async () => {
    const stream = `tickets-${uniqueId()}`;
    const mine = new CommandHandler(store, dispenser, codec, { cacheState: true });
    const theirs = new CommandHandler(store, dispenser, codec, { cacheState: true });
    await mine.handle(stream, { type: 'Take', holder: 'a' });
    await theirs.handle(stream, { type: 'Take', holder: 'b' }); // mine's cache is now behind
    const result = await mine.handle(stream, { type: 'Take', holder: 'c' });
    expect(result.newEvents).toEqual([{ type: 'Taken', holder: 'c', number: 3 }]);
    // A no-op is checked against the store too: 'b' holds a number, though mine's cache did not know it.
    expect((await theirs.handle(stream, { type: 'Take', holder: 'c' })).newEvents).toEqual([]);
    expect((await mine.handle(stream, { type: 'Take', holder: 'b' })).newEvents).toEqual([]);
    expect((await store.read(stream)).map((r) => codec.decode(r)!.number)).toEqual([1, 2, 3]);
  });

  it('drops a stream that is over from its cache and the store, and still decides on it afterwards', async () => {
    // Sold out after two tickets: the stream is over, as a deleted resource's is.
    const soldOut: Decider<Command, Event, State> = {
      ...dispenser,
      decide: (command, state) => (state.next > 2 ? [] : dispenser.decide(command, state)),
      isTerminal: (state) => state.next > 2,
    };
    const forgotten: string[] = [];
    const watched = new Proxy(store, {
      get: (target, property) =>
        property === 'forget'
          ? (streamId: string) => {
              forgotten.push(streamId);
              target.forget(streamId);
            }
          : (Reflect.get(target, property) as unknown),
    }) as EventStore;
    const handler = new CommandHandler(watched, soldOut, codec, { cacheState: true });
    const stream = `tickets-${uniqueId()}`;
    await handler.handle(stream, { type: 'Take', holder: 'a' });
    expect([...handler.cachedStates()].map(([id]) => id)).toEqual([stream]);
    await handler.handle(stream, { type: 'Take', holder: 'b' });
    expect([...handler.cachedStates()]).toEqual([]);
    expect(forgotten).toEqual([stream]);
    // A later command reads the stream again and finds it over.
    const late = await handler.handle(stream, { type: 'Take', holder: 'c' });
    expect(late.newEvents).toEqual([]);
    expect(late.revision).toBe(1);
    expect([...handler.cachedStates()]).toEqual([]);
  });

  it('loads a long stream from its snapshot, reading only the events after it, into the same state', async () => {
    const snapshots = new MemorySnapshotStore();
    const options = {
      cacheState: true,
      snapshots: {
        store: snapshots,
        every: 25,
        schema: 'dispenser.v1',
        toJson: (state: unknown) => [...(state as State).holders],
        fromJson: (json: unknown) => {
          const holders = new Map(json as Array<[string, number]>);
          return { next: holders.size + 1, holders };
        },
      },
    };
    const streamId = `dispenser-${uniqueId()}`;
    const writer = new CommandHandler(store, dispenser, codec, options);
    for (let i = 0; i < 60; i++) await writer.handle(streamId, { type: 'Take', holder: `h${i}` });
    await new Promise((r) => setTimeout(r, 50)); // snapshots are saved in the background

    // A new instance (a restart): counts what it reads.
    const reads: Array<{ options: ReadOptions | undefined; events: number }> = [];
    const counting: EventStore = Object.create(store, {
      read: { value: async (id: string, o?: ReadOptions) => { const events = await store.read(id, o); reads.push({ options: o, events: events.length }); return events; } },
    });
    const restarted = new CommandHandler(counting, dispenser, codec, options);
    const loaded = await restarted.load(streamId);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.options?.fromRevision).toBe(50); // the snapshot at revision 49 (50 events)
    expect(reads[0]!.events).toBe(10);
    const full = await new CommandHandler(store, dispenser, codec).load(streamId);
    expect(loaded.revision).toBe(full.revision);
    expect([...loaded.state.holders]).toEqual([...full.state.holders]);
    // And it goes on deciding from there.
    expect((await restarted.handle(streamId, { type: 'Take', holder: 'late' })).newEvents).toEqual([{ type: 'Taken', holder: 'late', number: 61 }]);
  });

  it('ignores a snapshot of another stream or another shape, folding from the start', async () => {
    const snapshots = new MemorySnapshotStore();
    const streamId = `dispenser-${uniqueId()}`;
    const writer = new CommandHandler(store, dispenser, codec);
    for (let i = 0; i < 3; i++) await writer.handle(streamId, { type: 'Take', holder: `h${i}` });
    await snapshots.save(`aggregate/${streamId}`, Buffer.from(JSON.stringify({ v: 1, schema: 'other.v1', stream: streamId, revision: 2, state: [] })));
    const reader = new CommandHandler(store, dispenser, codec, {
      cacheState: true,
      snapshots: { store: snapshots, every: 25, schema: 'dispenser.v1', toJson: () => [], fromJson: () => dispenser.initialState() },
    });
    expect((await reader.load(streamId)).state.holders.size).toBe(3);
  });
});
