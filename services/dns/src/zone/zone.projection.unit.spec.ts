// ZoneProjection's followers (answering workers) are told what the view
// applied, decoded once: an event the view cannot decode is parked by the
// runner and passed on to nobody, never thrown out of the runner's listener.
import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema } from '@pn/contracts';
import { zoneEventCodec, type ZoneEvent } from '@pn/dns-domain';
import type { EventHandler, EventStore, RecordedEvent } from '@pn/event-store';
import { ProjectionRunner, type Projection } from '@pn/projection';
import type { PlatformConfig, Projections } from '@pn/service-kit';
import { ZoneProjection } from './zone.projection.js';

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

describe('ZoneProjection followers', () => {
  it('given an event of a known type that cannot be decoded, when the runner parks it, then followers are not told and the runner goes on', async () => {
    const { store, parked, deliver } = storeFedByHand();
    const projections = {
      run: async <S>(projection: Projection<S>) => {
        const runner = new ProjectionRunner(store, projection, { maxAttempts: 1, logger: quiet });
        await runner.start();
        return runner;
      },
    } as unknown as Projections;
    const zone = new ZoneProjection(projections, { projectionMaxLagMs: 2000 } as PlatformConfig);
    await zone.onModuleInit();
    const told: Array<{ revision: number; events: readonly ZoneEvent[] }> = [];
    zone.follow({ applied: (_s, events, revision) => void told.push({ revision, events }), caughtUp: async () => true });

    const good = zoneEventCodec.encode(registered('web', '10.0.1.1'));
    await deliver(recorded(0, 1n, good.type, good.data));
    // A known type whose bytes are not its message: evolve throws, the runner parks it.
    await expect(deliver(recorded(1, 2n, 'RecordsRegistered', new Uint8Array([0xff, 0xff, 0xff, 0xff])))).resolves.toBeUndefined();
    const next = zoneEventCodec.encode(registered('db', '10.0.1.2'));
    await deliver(recorded(2, 3n, next.type, next.data));

    expect(parked).toHaveLength(1);
    expect(told.map((t) => t.revision)).toEqual([0, 2]);
    expect(told[0]!.events).toHaveLength(1);
    expect(zone.appliedRevision('zone-net_a')).toBe(2);
  });
});
