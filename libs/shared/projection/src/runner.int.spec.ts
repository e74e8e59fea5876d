// The projection runner on a real NATS (JetStream event store and object
// store): checkpoints resume a restarted projection and end identical to a
// full replay; a poison event is parked and the events after it applied.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { createJetStreamEventStore, createJetStreamSnapshotStore, type EventStore, type JetStreamEventStore, type RecordedEvent, type SnapshotStore } from '@pn/event-store';
import { startNats, uniqueId, type StartedNats } from '@pn/test-support';
import { ProjectionRunner, parkedStreamId, wholeState, type Projection } from './index.js';

let nats: StartedNats;
let nc: NatsConnection;
let store: EventStore;
let checkpoints: SnapshotStore;
const quiet = { log: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  const run = uniqueId('run');
  store = await createJetStreamEventStore(nc, { stream: `EVENTS_${run}`, subjectPrefix: `es_${run}`, retryDelayMs: 20 });
  checkpoints = await createJetStreamSnapshotStore(nc, { bucket: `SNAP_${run}` });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await nc?.close();
  await nats?.stop();
});

/** Sums the `n` of `Added` events per stream; throws on `Poison`. Counts how many events it saw. */
function summing(category: string, name = `sum.${uniqueId()}`): Projection<{ sums: Record<string, number>; seen: number }> & { applied: RecordedEvent[] } {
  const applied: RecordedEvent[] = [];
  return {
    name,
    category,
    applied,
    initialState: () => ({ sums: {}, seen: 0 }),
    evolve: (state, event) => {
      if (event.type === 'Poison') throw new Error('cannot apply this one');
      applied.push(event);
      const { n } = JSON.parse(Buffer.from(event.data).toString()) as { n: number };
      state.sums[event.streamId] = (state.sums[event.streamId] ?? 0) + n;
      state.seen++;
      return state;
    },
    checkpoint: wholeState(
      (state) => state,
      (json) => json as { sums: Record<string, number>; seen: number },
    ),
  };
}

const added = (n: number) => ({ type: 'Added', data: Buffer.from(JSON.stringify({ n })) });

async function appendMany(category: string, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) await store.append(`${category}-s${i % 7}`, [added(i)], 'any');
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ProjectionRunner', () => {
  it('resumes a restarted projection from its checkpoint and ends identical to a full replay', async () => {
    const category = `cp${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 200);
    const first = summing(category);
    const a = new ProjectionRunner(store, first, { checkpoints, logger: quiet });
    await a.start();
    await a.stop(); // a clean stop saves a checkpoint at position of event 200

    await appendMany(category, 50, 200);
    const resumedProjection = summing(category, first.name);
    const b = new ProjectionRunner(store, resumedProjection, { checkpoints, logger: quiet });
    await b.start();
    // Only what happened since the checkpoint was applied.
    expect(resumedProjection.applied).toHaveLength(50);

    const replay = summing(category, `replay.${uniqueId()}`);
    const c = new ProjectionRunner(store, replay, { logger: quiet });
    await c.start();
    expect(replay.applied).toHaveLength(250);
    expect(b.state).toEqual(c.state);
    expect(b.status().position).toBe(c.status().position);
    await b.stop();
    await c.stop();
  });

  it('skips events at or below its checkpoint when they are delivered again', async () => {
    const category = `dup${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 10);
    const projection = summing(category);
    const runner = new ProjectionRunner(store, projection, { checkpoints, logger: quiet });
    await runner.start();
    await runner.pause();
    await runner.resume(); // resubscribes after its position: nothing is applied twice
    await appendMany(category, 1, 10);
    await until(() => runner.state.seen === 11);
    expect(projection.applied.map((e) => e.position)).toEqual([...new Set(projection.applied.map((e) => e.position))]);
    await runner.stop();
  });

  it('parks a poison event, records it, counts it, and applies the events after it', async () => {
    const category = `poison${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 3);
    await store.append(`${category}-bad`, [{ type: 'Poison', data: Buffer.from('{}') }], 'any');
    await appendMany(category, 3, 3);
    const errors: string[] = [];
    const projection = summing(category);
    const runner = new ProjectionRunner(store, projection, { checkpoints, logger: { ...quiet, error: (m) => errors.push(m) }, retryDelayMs: 5 });
    await runner.start();
    expect(runner.state.seen).toBe(6);
    expect(runner.status().parked).toBe(1);
    expect(errors.join('\n')).toMatch(new RegExp(`parked Poison ${category}-bad@0 .* after 3 attempts: cannot apply this one`));
    const [parked] = await store.read(parkedStreamId(projection.name));
    const record = JSON.parse(Buffer.from(parked!.data).toString());
    expect(record).toMatchObject({ stream_id: `${category}-bad`, revision: 0, event_type: 'Poison', error: 'cannot apply this one', attempts: 3 });
    await runner.stop();

    // The parked count survives a restart (it is in the checkpoint); the poison event is not tried again.
    const again = new ProjectionRunner(store, summing(category, projection.name), { checkpoints, logger: quiet });
    await again.start();
    expect(again.status().parked).toBe(1);
    await again.stop();
  });

  it('parks a poison event in its count and log when garbage on the parked stream’s subject stops it being recorded', async () => {
    const category = `poison${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    const projection = summing(category);
    const { subjectPrefix } = store as JetStreamEventStore;
    await jetstream(nc).publish(`${subjectPrefix}.${parkedStreamId(projection.name).replace('-', '.')}`, new TextEncoder().encode('not-a-commit'));
    await store.append(`${category}-bad`, [{ type: 'Poison', data: Buffer.from('{}') }], 'any');
    await appendMany(category, 2);
    const errors: string[] = [];
    const runner = new ProjectionRunner(store, projection, { logger: { ...quiet, error: (m) => errors.push(m) }, retryDelayMs: 5 });
    await runner.start();
    expect(runner.state.seen).toBe(2);
    expect(runner.status().parked).toBe(1);
    expect(errors.join('\n')).toMatch(/cannot be written .* parked in the log only/);
    await runner.stop();
  });

  it('rebuilds from the start when its checkpoint is unreadable', async () => {
    const category = `bad${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 5);
    const projection = summing(category);
    await checkpoints.save(`projection/${projection.name}`, Buffer.from('{"v":1,"projection":"x"'));
    const warnings: string[] = [];
    const runner = new ProjectionRunner(store, projection, { checkpoints, logger: { ...quiet, warn: (m) => warnings.push(m) } });
    await runner.start();
    expect(runner.state.seen).toBe(5);
    expect(warnings.join()).toMatch(/checkpoint ignored \(not JSON/);
    await runner.stop();
  });

  it('reports lag while paused behind new events, and none once it has caught up', async () => {
    const category = `lag${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 2);
    const runner = new ProjectionRunner(store, summing(category), { logger: quiet, lagProbeMs: 50 });
    await runner.start();
    await runner.pause();
    await appendMany(category, 1, 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(runner.lagMs()).toBeGreaterThanOrEqual(250);
    await runner.resume();
    await until(() => runner.state.seen === 3);
    await new Promise((r) => setTimeout(r, 120));
    expect(runner.lagMs()).toBe(0);
    await runner.stop();
  });

  it('knows it is behind from its own subscription while an event waits to be applied, without asking the store', async () => {
    const category = `slow${uniqueId().toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    await appendMany(category, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = summing(category);
    const projection = { ...base, evolve: async (state: { sums: Record<string, number>; seen: number }, event: RecordedEvent) => {
      if (state.seen === 1) await gate; // the second event takes as long as the test says
      return base.evolve(state, event);
    } };
    let heads = 0;
    const counting = Object.create(store, { head: { value: (c: string) => (heads++, store.head(c)) } }) as EventStore;
    const runner = new ProjectionRunner(counting, projection, { logger: quiet, lagProbeMs: 50 });
    await runner.start();
    expect(runner.lagMs()).toBe(0);
    await appendMany(category, 2, 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(runner.lagMs()).toBeGreaterThanOrEqual(300);
    release();
    await until(() => runner.state.seen === 3);
    await new Promise((r) => setTimeout(r, 120));
    expect(runner.lagMs()).toBe(0);
    expect(heads).toBe(0); // all from the subscription's own pending count
    await runner.stop();
  });
});
