// The DNS view: hostile events change nothing, and a process that stalled
// answers SERVFAIL until its view is confirmed current against the store.
import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema } from '@pn/contracts';
import { zoneEventCodec, type ZoneEvent } from '@pn/dns-domain';
import type { EventHandler, EventStore, RecordedEvent } from '@pn/event-store';
import { ProjectionRunner, type Projection } from '@pn/projection';
import type { PlatformConfig, Projections } from '@pn/service-kit';
import { ViewLaggingError, ZoneProjection } from './zone.projection.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** An event store with one subscriber, fed by hand. */
function storeFedByHand() {
  let handler: EventHandler | undefined;
  const parked: unknown[] = [];
  const store = {
    subscribe: async (_category: string, h: EventHandler) => {
      handler = h;
      return { caughtUp: Promise.resolve(), close: async () => undefined };
    },
    append: async (_stream: string, events: unknown[]) => (parked.push(...events), { nextRevision: 0, position: 0n }),
    head: async () => undefined,
  } as unknown as EventStore;
  return { store, parked, deliver: (event: RecordedEvent) => handler!(event) };
}

function recorded(revision: number, position: bigint, type: string, data: Uint8Array): RecordedEvent {
  return { streamId: 'zone-net_a', id: `e${position}`, type, data, metadata: {}, revision, position } as RecordedEvent;
}

function registered(name: string, ip: string): ZoneEvent {
  return {
    type: 'RecordsRegistered',
    data: create(RecordsRegisteredSchema, { networkId: 'net_a', resourceId: `vm_${name}`, kind: 'vm', name, ip, resourceCreatedAt: timestampFromMs(0) }),
  } as ZoneEvent;
}

function zoneOn(store: EventStore, projectionMaxLagMs = 2000) {
  const projections = {
    run: async <S>(projection: Projection<S>) => {
      const runner = new ProjectionRunner(store, projection, { maxAttempts: 1, logger: quiet });
      await runner.start();
      return runner;
    },
  } as unknown as Projections;
  return new ZoneProjection(projections, { projectionMaxLagMs } as PlatformConfig, store);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ZoneProjection', () => {
  it('given an event of a known type that cannot be decoded, when the runner parks it, then the view goes on and answers the rest', async () => {
    const { store, parked, deliver } = storeFedByHand();
    const zone = zoneOn(store);
    await zone.onModuleInit();

    const good = zoneEventCodec.encode(registered('web', '10.0.1.1'));
    await deliver(recorded(0, 1n, good.type, good.data));
    // A known type whose bytes are not its message: evolve throws, the runner parks it.
    await expect(deliver(recorded(1, 2n, 'RecordsRegistered', new Uint8Array([0xff, 0xff, 0xff, 0xff])))).resolves.toBeUndefined();
    const next = zoneEventCodec.encode(registered('db', '10.0.1.2'));
    await deliver(recorded(2, 3n, next.type, next.data));
    zone.onModuleDestroy();

    expect(parked).toHaveLength(1);
    expect(zone.appliedRevision('zone-net_a')).toBe(2);
    expect(zone.lookup('net_a', 'db.vm.internal', 'A')).toMatchObject({ kind: 'answer', records: [{ address: '10.0.1.2' }] });
  });

  it('given this process stalled past half the bound, then it answers SERVFAIL (throws) until its view has what the store held after the stall', async () => {
    const fed = storeFedByHand();
    let head: bigint | undefined;
    const store = { ...fed.store, head: async () => (head === undefined ? undefined : { position: head, recordedAt: new Date() }) } as EventStore;
    const zone = zoneOn(store, 400);
    await zone.onModuleInit();
    const web = zoneEventCodec.encode(registered('web', '10.0.1.1'));
    await fed.deliver(recorded(0, 1n, web.type, web.data));
    expect(zone.lookup('net_a', 'web.vm.internal', 'A')).toMatchObject({ kind: 'answer' });

    // Stalled (nothing runs, not even timers) while a change was written that this view has not read.
    head = 2n;
    const until = Date.now() + 300;
    while (Date.now() < until);

    expect(() => zone.lookup('net_a', 'web.vm.internal', 'A')).toThrow(ViewLaggingError);
    await sleep(150);
    expect(() => zone.lookup('net_a', 'web.vm.internal', 'A')).toThrow(ViewLaggingError);
    const db = zoneEventCodec.encode(registered('db', '10.0.1.2'));
    await fed.deliver(recorded(1, 2n, db.type, db.data));
    await sleep(50);
    zone.onModuleDestroy();

    expect(zone.lookup('net_a', 'db.vm.internal', 'A')).toMatchObject({ kind: 'answer', records: [{ address: '10.0.1.2' }] });
  });
});
