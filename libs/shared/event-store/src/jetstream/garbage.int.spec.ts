// Garbage on a category's subjects against a real NATS server: subscriptions
// and head() pass it (parked once), the one stream whose subject holds it
// fails reads and appends with a clear error, and nothing else notices.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, uniqueId, type StartedNats } from '@pn/test-support';
import type { RecordedEvent } from '../event-store.port.js';
import { GarbageBin } from '../garbage/garbage-bin.js';
import { createJetStreamEventStore, type JetStreamEventStore } from '../jetstream.event-store.js';

let nats: StartedNats;
let nc: NatsConnection;
let store: JetStreamEventStore;
const bin = new GarbageBin({ log: () => {} });
const data = new TextEncoder().encode('{}');
const junk = (subject: string, text = 'not-a-commit') => jetstream(nc).publish(subject, new TextEncoder().encode(text));

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  store = await createJetStreamEventStore(nats.url, { retryDelayMs: 50, garbage: bin });
});

afterAll(async () => {
  await store?.close();
  await nc?.close();
  await nats?.stop();
});

describe('garbage on an event-store subject', () => {
  it('is skipped by a subscription that starts with it as the newest message, which still catches up, parking it once', async () => {
    const category = uniqueId('garbage');
    await store.append(`${category}-a`, [{ type: 'First', data }], 'no_stream');
    const bad = await junk(`es.${category}.x`);
    const seen: RecordedEvent[] = [];
    const sub = await store.subscribe(category, (e) => void seen.push(e));
    const again = await store.subscribe(category, () => {});
    try {
      await sub.caughtUp;
      await again.caughtUp;
      const head = await store.head(category);
      expect(head!.position).toBe(BigInt(bad.seq) << 16n);
      await store.append(`${category}-b`, [{ type: 'Second', data }], 'no_stream');
      // The loop clears its lag just after the handler returns: wait for both, within the same second.
      for (let i = 0; i < 50 && (seen.length < 2 || sub.behindSince!() !== undefined); i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((e) => e.type)).toEqual(['First', 'Second']);
      expect(sub.behindSince!()).toBeUndefined();
      // Two subscriptions met it: one message, counted once.
      expect(bin.recent().filter((g) => g.seq === bad.seq)).toEqual([expect.objectContaining({ consumer: `es:${category}`, subject: `es.${category}.x`, reason: 'not_json' })]);
    } finally {
      await sub.close();
      await again.close();
    }
  });

  it('resumes past it from a checkpoint before it', async () => {
    const category = uniqueId('garbage');
    const { position } = await store.append(`${category}-a`, [{ type: 'First', data }], 'no_stream');
    await junk(`es.${category}.a`, JSON.stringify({ v: 2 }));
    await store.append(`${category}-c`, [{ type: 'Third', data }], 'no_stream');
    const seen: string[] = [];
    const sub = await store.subscribe(category, (e) => void seen.push(e.type), { after: position });
    try {
      await sub.caughtUp;
      expect(seen).toEqual(['Third']);
    } finally {
      await sub.close();
    }
  });

  it('makes the one stream whose subject holds it fail clearly on read and append, and no other', async () => {
    const category = uniqueId('garbage');
    await store.append(`${category}-a`, [{ type: 'First', data }], 'no_stream');
    const bad = await junk(`es.${category}.a`);
    await expect(store.read(`${category}-a`)).rejects.toMatchObject({ code: 'unreadable_commit', seq: bad.seq, reason: 'not_json' });
    await expect(store.append(`${category}-a`, [{ type: 'Second', data }], 'any')).rejects.toMatchObject({ code: 'unreadable_commit' });
    await store.append(`${category}-b`, [{ type: 'Other', data }], 'no_stream');
    expect((await store.read(`${category}-b`)).map((e) => e.type)).toEqual(['Other']);
  });

  it('never writes a commit a reader would park for its size', async () => {
    const big = new Uint8Array(800 * 1024);
    await expect(store.append(`${uniqueId('garbage')}-a`, [{ type: 'Huge', data: big }], 'no_stream')).rejects.toThrow(/more than/);
  });
});
