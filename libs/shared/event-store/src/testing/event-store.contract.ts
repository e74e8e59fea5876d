// The behaviour every EventStore adapter must have, as one jest suite that
// each adapter's integration spec runs against a real server. Every test
// works on its own streams and categories, so the suite can share a server
// with other runs and tests never depend on each other or on leftover data.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { uniqueId } from '@pn/test-support';
import {
  InvalidStreamIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  type Subscription,
} from '../event-store.port.js';

export type EventStoreFactory = () => EventStore | Promise<EventStore>;

export function describeEventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    const stores: EventStore[] = [];
    const subscriptions: Subscription[] = [];
    let store: EventStore;

    const open = async (): Promise<EventStore> => {
      const s = await factory();
      stores.push(s);
      return s;
    };
    const subscribe = async (...args: Parameters<EventStore['subscribe']>): Promise<Subscription> => {
      const sub = await store.subscribe(...args);
      subscriptions.push(sub);
      return sub;
    };

    beforeAll(async () => {
      store = await open();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
    });

    /** Appends batches of the given sizes to one new stream, events named E<batch>.<index>. */
    const appendBatches = async (streamId: string, sizes: readonly number[]): Promise<AppendResult[]> => {
      const results: AppendResult[] = [];
      let expected: ExpectedRevision = 'no_stream';
      for (const [i, size] of sizes.entries()) {
        const batch = Array.from({ length: size }, (_, j) => event(`E${i}.${j}`));
        const result = await store.append(streamId, batch, expected);
        results.push(result);
        expected = result.nextExpectedRevision;
      }
      return results;
    };

    describe('append and read', () => {
      it('appends to a new stream with no_stream and reads the event back as written', async () => {
        const streamId = newStream();
        const data = Uint8Array.from({ length: 256 }, (_, i) => i);
        const id = `evt_${uniqueId()}`;

        const result = await store.append(
          streamId,
          [{ type: 'NetworkCreated', data, metadata: { correlationId: 'c-1' }, id }],
          'no_stream',
        );

        expect(result.nextExpectedRevision).toBe(0);
        expect(typeof result.position).toBe('bigint');
        const [event, ...rest] = await store.read(streamId);
        expect(rest).toEqual([]);
        expect(event).toMatchObject({ streamId, id, type: 'NetworkCreated', metadata: { correlationId: 'c-1' }, revision: 0 });
        expect(Array.from(event!.data)).toEqual(Array.from(data));
        expect(event!.position).toBe(result.position);
        expect(event!.recordedAt).toBeInstanceOf(Date);
      });

      it('generates distinct event ids when none are given, and defaults metadata to {}', async () => {
        const streamId = newStream();
        const bare = (type: string): EventData => ({ type, data: new Uint8Array([1]) });
        await store.append(streamId, [bare('A'), bare('B')], 'no_stream');

        const [a, b] = await store.read(streamId);
        expect(a!.id).toEqual(expect.any(String));
        expect(a!.id).not.toBe(b!.id);
        expect(a!.metadata).toEqual({});
      });

      it('appends at the exact current revision', async () => {
        const streamId = newStream();
        await store.append(streamId, [event('A'), event('B')], 'no_stream');

        const result = await store.append(streamId, [event('C')], 1);

        expect(result.nextExpectedRevision).toBe(2);
        expect(types(await store.read(streamId))).toEqual(['A', 'B', 'C']);
      });

      it('rejects a stale revision with WrongExpectedRevisionError and writes nothing', async () => {
        const streamId = newStream();
        await store.append(streamId, [event('A'), event('B')], 'no_stream');

        const error = await store.append(streamId, [event('C')], 0).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ code: 'wrong_expected_revision', streamId, expected: 0, actual: 1 });
        expect(types(await store.read(streamId))).toEqual(['A', 'B']);
      });

      it('rejects a revision ahead of the stream', async () => {
        const streamId = newStream();
        await store.append(streamId, [event('A')], 'no_stream');

        await expect(store.append(streamId, [event('B')], 5)).rejects.toMatchObject({ code: 'wrong_expected_revision', actual: 0 });
      });

      it('rejects an exact revision on a missing stream, reporting no_stream', async () => {
        const streamId = newStream();

        await expect(store.append(streamId, [event('A')], 0)).rejects.toMatchObject({
          code: 'wrong_expected_revision',
          actual: 'no_stream',
        });
        expect(await store.read(streamId)).toEqual([]);
      });

      it('rejects no_stream on an existing stream', async () => {
        const streamId = newStream();
        await store.append(streamId, [event('A')], 'no_stream');

        const error = await store.append(streamId, [event('B')], 'no_stream').catch((e: unknown) => e);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ expected: 'no_stream', actual: 0 });
        expect(types(await store.read(streamId))).toEqual(['A']);
      });

      it('appends with any, to a new and to an existing stream', async () => {
        const streamId = newStream();

        expect((await store.append(streamId, [event('A')], 'any')).nextExpectedRevision).toBe(0);
        expect((await store.append(streamId, [event('B'), event('C')], 'any')).nextExpectedRevision).toBe(2);
        expect(types(await store.read(streamId))).toEqual(['A', 'B', 'C']);
      });

      it('writes a multi-event append all together, and a conflicting one not at all', async () => {
        const streamId = newStream();
        const first = await store.append(streamId, [event('A'), event('B'), event('C')], 'no_stream');

        await expect(store.append(streamId, [event('X'), event('Y'), event('Z')], 1)).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );

        const events = await store.read(streamId);
        expect(types(events)).toEqual(['A', 'B', 'C']);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(first.nextExpectedRevision).toBe(2);
      });

      it('numbers revisions 0..n across appends and reads from a revision', async () => {
        const streamId = newStream();
        await appendBatches(streamId, [1, 2, 1, 3, 1, 1]);

        const all = await store.read(streamId);
        expect(all.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
        expect(types(all)).toEqual(['E0.0', 'E1.0', 'E1.1', 'E2.0', 'E3.0', 'E3.1', 'E3.2', 'E4.0', 'E5.0']);
        expect(types(await store.read(streamId, { fromRevision: 4 }))).toEqual(['E3.0', 'E3.1', 'E3.2', 'E4.0', 'E5.0']);
        expect(types(await store.read(streamId, { fromRevision: 5 }))).toEqual(['E3.1', 'E3.2', 'E4.0', 'E5.0']);
        expect(types(await store.read(streamId, { fromRevision: 8 }))).toEqual(['E5.0']);
        expect(await store.read(streamId, { fromRevision: 9 })).toEqual([]);
      });

      it('reads at most maxCount events from a revision, anywhere in a long stream', async () => {
        const streamId = newStream();
        await appendBatches(streamId, [1, 2, 1, 3, ...Array.from({ length: 40 }, () => 1)]); // revisions 0..46
        const all = await store.read(streamId);
        const page = async (fromRevision: number, maxCount: number, afterPosition?: bigint) =>
          types(await store.read(streamId, { fromRevision, maxCount, ...(afterPosition !== undefined ? { afterPosition } : {}) }));
        const expected = (from: number, to: number) => types(all.slice(from, to + 1));

        expect(await page(0, 3)).toEqual(['E0.0', 'E1.0', 'E1.1']);
        expect(await page(4, 3)).toEqual(['E3.0', 'E3.1', 'E3.2']);
        expect(await page(10, 5)).toEqual(expected(10, 14));
        expect(await page(44, 10)).toEqual(expected(44, 46));
        expect(await page(47, 5)).toEqual([]);
        expect(await page(5, 0)).toEqual([]);
        // The next page from the position of the page's last event reads the
        // same as without it; a wrong hint (past the page, or nothing) changes nothing either.
        expect(await page(15, 5, all[14]!.position)).toEqual(expected(15, 19));
        expect(await page(15, 5, all[40]!.position)).toEqual(expected(15, 19));
        expect(await page(15, 5, 0n)).toEqual(expected(15, 19));
      });

      it('gives every event its own position, increasing within and across appends, and reports the last one', async () => {
        const streamId = newStream();
        const appends = await appendBatches(streamId, [3, 1, 2]);

        const positions = (await store.read(streamId)).map((e) => e.position);

        expect(isIncreasing(positions)).toBe(true);
        expect(appends.map((a) => a.position)).toEqual([positions[2], positions[3], positions[5]]);
      });

      it('reads a missing stream as []', async () => {
        expect(await store.read(newStream())).toEqual([]);
        expect(await store.read(newStream(), { fromRevision: 3 })).toEqual([]);
      });

      it('keeps streams and categories apart', async () => {
        const [cat1, cat2] = [newCategory(), newCategory()];
        const id = uniqueId('id');
        await store.append(`${cat1}-${id}`, [event('A1')], 'no_stream');
        await store.append(`${cat1}-${id}_other`, [event('B1')], 'no_stream');
        await store.append(`${cat2}-${id}`, [event('C1')], 'no_stream');

        expect(types(await store.read(`${cat1}-${id}`))).toEqual(['A1']);
        expect(types(await store.read(`${cat1}-${id}_other`))).toEqual(['B1']);
        expect(types(await store.read(`${cat2}-${id}`))).toEqual(['C1']);
        expect((await store.append(`${cat2}-${id}`, [event('C2')], 0)).nextExpectedRevision).toBe(1);
      });

      it('lets exactly one of several concurrent appenders at the same revision win', async () => {
        const streamId = newStream();
        await store.append(streamId, [event('Start')], 'no_stream');
        const others = [await open(), await open()];
        const writers = [store, ...others, store, ...others];

        const results = await Promise.allSettled(writers.map((w, i) => w.append(streamId, [event(`W${i}`), event(`W${i}b`)], 0)));

        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const r of lost) expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
        const events = await store.read(streamId);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('lets exactly one of several concurrent no_stream appenders create the stream', async () => {
        const streamId = newStream();
        const others = [await open(), await open()];

        const results = await Promise.allSettled([store, ...others].map((w, i) => w.append(streamId, [event(`W${i}`)], 'no_stream')));

        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await store.read(streamId)).toHaveLength(1);
      });

      it('keeps every concurrent any append, each with its own revisions', async () => {
        const streamId = newStream();
        const others = [await open(), await open()];

        await Promise.all([store, ...others, store].map((w, i) => w.append(streamId, [event(`W${i}`), event(`W${i}`)], 'any')));

        const events = await store.read(streamId);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        // The two events of each append stay together.
        for (let i = 0; i < events.length; i += 2) expect(events[i]!.type).toBe(events[i + 1]!.type);
      });

      it.each(['', 'nodash', 'Upper-case', '1cat-id', 'cat-', '-id', 'cat-has space', 'cat-dot.ted', 'cat-wild*'])(
        'rejects the invalid stream id %p',
        async (streamId) => {
          await expect(store.append(streamId, [event('A')], 'any')).rejects.toBeInstanceOf(InvalidStreamIdError);
          await expect(store.read(streamId)).rejects.toBeInstanceOf(InvalidStreamIdError);
        },
      );

      it('rejects an empty append and creates nothing', async () => {
        const streamId = newStream();

        await expect(store.append(streamId, [], 'no_stream')).rejects.toThrow(/no events/);
        await expect(store.append(streamId, [], 'any')).rejects.toThrow(/no events/);
        expect(await store.read(streamId)).toEqual([]);
      });
    });

    describe('subscribe', () => {
      it('delivers every event of the category from the start, in order, and none of other categories', async () => {
        const category = newCategory();
        const [a, b] = [`${category}-${uniqueId('a')}`, `${category}-${uniqueId('b')}`];
        await store.append(a, [event('A0'), event('A1')], 'no_stream');
        await store.append(`${newCategory()}-${uniqueId()}`, [event('Other')], 'no_stream');
        await store.append(b, [event('B0')], 'no_stream');
        await store.append(a, [event('A2')], 1);
        const seen = collector();

        const sub = await subscribe(category, seen.handler);
        await sub.caughtUp;

        expect(types(seen.events)).toEqual(['A0', 'A1', 'B0', 'A2']);
        expect(seen.events.map((e) => `${e.streamId}@${e.revision}`)).toEqual([`${a}@0`, `${a}@1`, `${b}@0`, `${a}@2`]);
        expect(isIncreasing(seen.events.map((e) => e.position))).toBe(true);
        expect(seen.events[0]).toMatchObject({ streamId: a, type: 'A0', metadata: { n: 'A0' } });
        expect(Array.from(seen.events[0]!.data)).toEqual(Array.from(event('A0').data));
      });

      it('treats the category as the whole prefix before the first "-"', async () => {
        const category = newCategory();
        await store.append(`${category}x-${uniqueId()}`, [event('Longer')], 'no_stream');
        await store.append(`${category}-${uniqueId()}`, [event('Mine')], 'no_stream');
        const seen = collector();

        await (await subscribe(category, seen.handler)).caughtUp;

        expect(types(seen.events)).toEqual(['Mine']);
      });

      it('delivers only events after the checkpoint given as `after`', async () => {
        const category = newCategory();
        const streamId = `${category}-${uniqueId()}`;
        await store.append(streamId, [event('E0')], 'no_stream');
        const checkpoint = await store.append(streamId, [event('E1'), event('E2')], 0);
        await store.append(`${category}-${uniqueId()}`, [event('F0'), event('F1')], 'no_stream');
        await store.append(streamId, [event('E3')], 2);
        const seen = collector();

        const sub = await subscribe(category, seen.handler, { after: checkpoint.position });
        await sub.caughtUp;

        expect(types(seen.events)).toEqual(['F0', 'F1', 'E3']);
        for (const e of seen.events) expect(e.position > checkpoint.position).toBe(true);
      });

      it('resumes midway through an append: after its first event come the rest of it, then later appends', async () => {
        const category = newCategory();
        const streamId = `${category}-${uniqueId()}`;
        await store.append(streamId, [event('E0')], 'no_stream');
        await store.append(streamId, [event('E1'), event('E2'), event('E3')], 0);
        await store.append(`${category}-${uniqueId()}`, [event('F0')], 'no_stream');
        await store.append(streamId, [event('E4'), event('E5')], 3);
        const all = collector();
        await (await subscribe(category, all.handler)).caughtUp;
        const position = (type: string): bigint => all.events.find((e) => e.type === type)!.position;

        const fromFirst = collector();
        await (await subscribe(category, fromFirst.handler, { after: position('E1') })).caughtUp;
        const fromLast = collector();
        await (await subscribe(category, fromLast.handler, { after: position('E3') })).caughtUp;

        expect(types(fromFirst.events)).toEqual(['E2', 'E3', 'F0', 'E4', 'E5']);
        expect(types(fromLast.events)).toEqual(['F0', 'E4', 'E5']);
        for (const e of fromFirst.events) expect(e.position > position('E1')).toBe(true);
      });

      it('resumes from a delivered event position without losing later appends', async () => {
        const category = newCategory();
        const streamId = `${category}-${uniqueId()}`;
        await store.append(streamId, [event('E0')], 'no_stream');
        await store.append(streamId, [event('E1')], 0);
        const first = collector();
        await (await subscribe(category, first.handler)).caughtUp;
        const checkpoint = first.events.at(-1)!.position;
        await store.append(streamId, [event('E2')], 1);
        const resumed = collector();

        await (await subscribe(category, resumed.handler, { after: checkpoint })).caughtUp;

        expect(types(resumed.events)).toEqual(['E2']);
      });

      it('delivers events appended after it started', async () => {
        const category = newCategory();
        const seen = collector();
        const sub = await subscribe(category, seen.handler);
        await sub.caughtUp;
        expect(seen.events).toEqual([]);

        const writer = await open();
        await writer.append(`${category}-${uniqueId()}`, [event('Live1'), event('Live2')], 'no_stream');
        await writer.append(`${newCategory()}-${uniqueId()}`, [event('Other')], 'no_stream');
        await writer.append(`${category}-${uniqueId()}`, [event('Live3')], 'no_stream');

        await waitFor(() => seen.events.length >= 3);
        await sleep(100);
        expect(types(seen.events)).toEqual(['Live1', 'Live2', 'Live3']);
      });

      it('hands an event whose handler threw to the handler again, and only then moves on', async () => {
        const category = newCategory();
        const streamId = `${category}-${uniqueId()}`;
        await store.append(streamId, [event('E0'), event('E1')], 'no_stream');
        await store.append(streamId, [event('E2')], 1);
        const calls: string[] = [];
        let failures = 2;

        const sub = await subscribe(category, (e) => {
          calls.push(e.type);
          if (e.type === 'E1' && failures-- > 0) throw new Error('projection not ready');
        });
        await sub.caughtUp;

        expect(calls).toEqual(['E0', 'E1', 'E1', 'E1', 'E2']);
      });

      it('resolves caughtUp only once every event existing at subscribe time was handled', async () => {
        const category = newCategory();
        for (let i = 0; i < 5; i++) {
          await store.append(`${category}-${uniqueId()}`, [event(`E${i}a`), event(`E${i}b`)], 'no_stream');
        }
        const seen = collector(10);

        const sub = await subscribe(category, seen.handler);
        await sub.caughtUp;

        expect(seen.events).toHaveLength(10);
      });

      it('resolves caughtUp at once for an empty category and for a checkpoint at the end', async () => {
        const empty = await subscribe(newCategory(), () => {});
        await expect(withTimeout(empty.caughtUp, 5_000)).resolves.toBeUndefined();

        const category = newCategory();
        const last = await store.append(`${category}-${uniqueId()}`, [event('E0'), event('E1')], 'no_stream');
        const seen = collector();
        const atEnd = await subscribe(category, seen.handler, { after: last.position });
        await expect(withTimeout(atEnd.caughtUp, 5_000)).resolves.toBeUndefined();
        expect(seen.events).toEqual([]);
      });

      it('stops delivering after close()', async () => {
        const category = newCategory();
        const seen = collector();
        const sub = await store.subscribe(category, seen.handler);
        await sub.caughtUp;

        await sub.close();
        await store.append(`${category}-${uniqueId()}`, [event('Late')], 'no_stream');
        await sleep(300);

        expect(seen.events).toEqual([]);
      });

      it('rejects an invalid category', async () => {
        await expect(store.subscribe('Not-A-Category', () => {})).rejects.toThrow(/invalid category/);
      });
    });

    describe('head', () => {
      it('is the position of the newest event of the category, whichever stream holds it', async () => {
        const category = newCategory();
        expect(await store.head(category)).toBeUndefined();
        await store.append(`${category}-a`, [event('A1'), event('A2')], 'no_stream');
        const last = await store.append(`${category}-b`, [event('B1')], 'no_stream');
        await store.append(`${newCategory()}-x`, [event('X1')], 'no_stream'); // another category's event comes later
        const head = await store.head(category);
        expect(head?.position).toBe(last.position);
        expect(head?.recordedAt).toBeInstanceOf(Date);
      });

      it('gives strictly increasing positions, never a placeholder', async () => {
        const category = newCategory();
        const results = [];
        for (let i = 0; i < 5; i++) results.push(await store.append(`${category}-s${i % 2}`, [event(`E${i}`)], 'any'));
        const positions = results.map((r) => r.position);
        expect(positions.every((p) => p >= 0n)).toBe(true);
        expect([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(positions);
        expect(new Set(positions).size).toBe(positions.length);
        const read = (await Promise.all([store.read(`${category}-s0`), store.read(`${category}-s1`)])).flat();
        expect(read.every((e) => e.position >= 0n)).toBe(true);
      });

      it('rejects an invalid category', async () => {
        await expect(store.head('Not-A-Category')).rejects.toThrow(/invalid category/);
      });
    });
  });
}

function newCategory(): string {
  return uniqueId('c');
}

function newStream(): string {
  return `${newCategory()}-${uniqueId('s')}`;
}

/** An event whose data and metadata name it, so assertions can check both round trips. */
function event(type: string): EventData {
  return { type, data: new TextEncoder().encode(JSON.stringify({ type })), metadata: { n: type } };
}

function types(events: readonly RecordedEvent[]): string[] {
  return events.map((e) => e.type);
}

function collector(handlerDelayMs = 0) {
  const events: RecordedEvent[] = [];
  return {
    events,
    handler: async (e: RecordedEvent) => {
      if (handlerDelayMs) await sleep(handlerDelayMs);
      events.push(e);
    },
  };
}

function isIncreasing(values: readonly bigint[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1]! < v);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
