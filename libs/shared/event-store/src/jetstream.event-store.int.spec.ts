// The JetStream adapter against a real NATS server: the shared contract, then
// what is specific to JetStream (stream setup, connection ownership).
// NATS comes from @pn/test-support's startNats(): a container when an engine
// is reachable, else NATS_URL / nats://127.0.0.1:4222 (TEST_NATS=external forces that).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { startNats, startRestartableNats, uniqueId, type StartedNats } from '@pn/test-support';
import { createJetStreamEventStore } from './jetstream.event-store.js';
import { SILENCE_MS } from './jetstream/liveness.js';
import { describeEventStoreContract } from './testing/event-store.contract.js';

let nats: StartedNats;

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await nats?.stop();
});

// maxDirectReads: 2 makes the contract's longer streams take the consumer
// path of read() as well as the direct-get path.
describeEventStoreContract('JetStream', () =>
  createJetStreamEventStore(nats.url, { retryDelayMs: 50, maxDirectReads: 2, onHandlerError: () => {} }),
);

describe('JetStream adapter', () => {
  const data = new TextEncoder().encode('{}');

  it('never lets a remembered head hide another writer’s append', async () => {
    // Two stores are two instances, each remembering the heads it last saw.
    const a = await createJetStreamEventStore(nats.url);
    const b = await createJetStreamEventStore(nats.url);
    try {
      const stream = `order-${uniqueId()}`;
      await a.append(stream, [{ type: 'Placed', data }], 'no_stream'); // a remembers revision 0
      await b.append(stream, [{ type: 'Paid', data }], 0); // b asks the server, appends revision 1
      await expect(a.append(stream, [{ type: 'Cancelled', data }], 0)).rejects.toMatchObject({
        code: 'wrong_expected_revision',
        actual: 1,
      });
      await a.append(stream, [{ type: 'Shipped', data }], 1);
      expect((await b.read(stream)).map((e) => e.type)).toEqual(['Placed', 'Paid', 'Shipped']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('leaves a connection it was given open, and closes one it opened', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const store = await createJetStreamEventStore(nc);
      await store.close();
      expect(nc.isClosed()).toBe(false);
    } finally {
      await nc.close();
    }
  });

  it('creates its stream for direct gets and dedup, and brings an existing one up to that', async () => {
    const name = `ES_TEST_${uniqueId().toUpperCase()}`;
    const prefix = uniqueId('es');
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.add({ name, subjects: [`${prefix}.>`], duplicate_window: nanos(10_000) });

      const store = await createJetStreamEventStore(nc, { stream: name, subjectPrefix: prefix });
      await createJetStreamEventStore(nc, { stream: name, subjectPrefix: prefix }); // idempotent
      await store.append('order-1', [{ type: 'Placed', data }], 'no_stream');

      const { config, state } = await jsm.streams.info(name);
      expect(config).toMatchObject({
        allow_direct: true,
        duplicate_window: nanos(120_000),
        subjects: [`${prefix}.>`],
        // History is never dropped: a limit would refuse writes, not delete old ones; no message can be deleted or purged.
        discard: 'new',
        deny_delete: true,
        deny_purge: true,
      });
      expect(state.messages).toBe(1);
      await expect(jsm.streams.purge(name)).rejects.toThrow();
      await expect(jsm.streams.deleteMessage(name, 1)).rejects.toThrow();
      expect((await store.read('order-1')).map((e) => e.type)).toEqual(['Placed']);
    } finally {
      await jsm.streams.delete(name).catch(() => {});
      await nc.close();
    }
  });

  it.each([
    ['max_age', { max_age: nanos(3_600_000) }],
    ['max_bytes', { max_bytes: 1 << 30 }],
    ['max_msgs', { max_msgs: 1_000_000 }],
    ['max_msgs_per_subject', { max_msgs_per_subject: 10 }],
  ])('refuses to start on a stream with %s set, which would delete history', async (limit, config) => {
    const name = `ES_TEST_${uniqueId().toUpperCase()}`;
    const prefix = uniqueId('es');
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.add({ name, subjects: [`${prefix}.>`], ...config });
      await expect(createJetStreamEventStore(nc, { stream: name, subjectPrefix: prefix })).rejects.toThrow(
        new RegExp(`${name} has ${limit}=.* set: it would delete event history`),
      );
    } finally {
      await jsm.streams.delete(name).catch(() => {});
      await nc.close();
    }
  });

  it('refuses more than 65,536 events in one append, the most a position can number', async () => {
    const store = await createJetStreamEventStore(nats.url);
    try {
      const streamId = `${uniqueId('c')}-x`;
      const events = Array.from({ length: 65_537 }, () => ({ type: 'E', data }));

      await expect(store.append(streamId, events, 'any')).rejects.toThrow(/at most 65536 events per append/);
      expect(await store.read(streamId)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('counts a subscription whose consumer was lost on an empty category as current again once it pulls again', async () => {
    const store = await createJetStreamEventStore(nats.url, { retryDelayMs: 50 });
    const nc = await connect({ servers: nats.url });
    const category = uniqueId('quiet');
    const seen: string[] = [];
    const sub = await store.subscribe(category, (e) => void seen.push(e.type));
    const until = async (what: string, done: () => boolean, ms = 5000) => {
      for (const end = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
      }
    };
    try {
      // A category nothing has happened in yet (a fresh platform's projects, say): current from the start.
      await sub.caughtUp;
      expect(sub.behindSince!()).toBeUndefined();
      // The server drops the consumer (as when its node dies); nothing happens in the category afterwards.
      const jsm = await jetstreamManager(nc);
      const filter = `es.${category}.>`;
      // Current before its consumer exists (nothing to read): the consumer is made right after, so it is waited for.
      let mine: string[] = [];
      for (const end = Date.now() + 5000; mine.length === 0 && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        mine = [];
        for await (const c of jsm.consumers.list('EVENTS')) {
          if (c.config.filter_subject === filter || c.config.filter_subjects?.includes(filter)) mine.push(c.name);
        }
      }
      expect(mine).toHaveLength(1);
      await jsm.consumers.delete('EVENTS', mine[0]!);
      await until('the loss noticed', () => sub.behindSince!() !== undefined);
      // No message will come to say it is current: the server's count must.
      await until('current again with no new event', () => sub.behindSince!() === undefined);
      await store.append(`${category}-a`, [{ type: 'First', data }], 'no_stream');
      await until('the first event handled', () => seen.length === 1);
      expect(seen).toEqual(['First']);
    } finally {
      await sub.close();
      await store.close();
      await nc.close();
    }
  });

  it('follows again at once after its NATS server restarts, without waiting for a silence to be noticed', async () => {
    // A restart, not a forced reconnect: the server forgets the ephemeral consumer.
    const server = await startRestartableNats();
    const store = await createJetStreamEventStore(server.url, { retryDelayMs: 50 });
    const writer = await createJetStreamEventStore(server.url);
    const category = uniqueId('restarted');
    const seen: string[] = [];
    const sub = await store.subscribe(category, (e) => void seen.push(e.type));
    const until = async (done: () => boolean, ms: number) => {
      for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await writer.append(`${category}-a`, [{ type: 'Before', data }], 'no_stream');
      await until(() => seen.length === 1, 2000);
      expect(seen).toEqual(['Before']);
      await server.stop('SIGTERM');
      await server.start();
      // The writer's append goes through once its connection is back; the subscription must follow at once.
      await writer.append(`${category}-b`, [{ type: 'After', data }], 'no_stream');
      const appendedAt = Date.now();
      await until(() => seen.length === 2, 10_000);
      const tookMs = Date.now() - appendedAt;
      expect(seen).toEqual(['Before', 'After']);
      // The client asks for its consumer again on reconnecting, and the restart took it away (consumer_not_found):
      // sooner than the silence otherwise needed to notice a lost consumer.
      expect(tookMs).toBeLessThan(SILENCE_MS);
    } finally {
      await sub.close();
      await store.close();
      await writer.close();
      await server.dispose();
    }
  }, 30_000);

  it('stores a multi-event append as one message', async () => {
    const store = await createJetStreamEventStore(nats.url);
    const nc = await connect({ servers: nats.url });
    try {
      const category = uniqueId('c');
      await store.append(`${category}-x`, [1, 2, 3].map((n) => ({ type: `E${n}`, data })), 'no_stream');

      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info('EVENTS', { subjects_filter: `es.${category}.>` });
      expect(info.state.subjects).toEqual({ [`es.${category}.x`]: 1 });
    } finally {
      await store.close();
      await nc.close();
    }
  });
});
