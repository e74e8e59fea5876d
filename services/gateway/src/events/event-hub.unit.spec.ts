// A resuming events client must not cost the whole history: the replay's
// reads from the store are bounded, whatever Last-Event-ID says, while a
// client that was away briefly still gets its own events.
import { describe, expect, it } from '@jest/globals';
import { create, toBinary } from '@bufbuild/protobuf';
import { ResourceRequestedSchema } from '@pn/contracts';
import type { EventStore, RecordedEvent } from '@pn/event-store';
import type { Response } from 'express';
import { EventClient } from './event-client.js';
import { EventHub, MAX_REPLAY_SCAN } from './event-hub.js';

const requested = (position: number, accountId: string): RecordedEvent => ({
  id: `e${position}`,
  streamId: `resource-r${position}`,
  type: 'ResourceRequested',
  data: toBinary(ResourceRequestedSchema, create(ResourceRequestedSchema, { resourceId: `r${position}`, kind: 'vm', accountId, name: `n${position}`, project: 'default' })),
  metadata: {},
  revision: 0,
  position: BigInt(position),
  recordedAt: new Date(0),
});

/** A store of `events` that counts every event its subscriptions hand out. */
function countingStore(events: RecordedEvent[]) {
  const counter = { delivered: 0 };
  const store = {
    head: async () => ({ position: events.at(-1)!.position, recordedAt: new Date(0) }),
    read: async () => [],
    subscribe: async (_category: string, handler: (e: RecordedEvent) => Promise<void> | void, options: { after?: bigint } = {}) => {
      let closed = false;
      const caughtUp = (async () => {
        for (const event of events) {
          if (closed) return;
          if (options.after !== undefined && event.position <= options.after) continue;
          counter.delivered++;
          await handler(event);
        }
      })();
      return { caughtUp, close: async () => void (closed = true) };
    },
  } as unknown as EventStore;
  return { store, counter };
}

function fakeResponse() {
  const chunks: string[] = [];
  const res = { writeHead: () => res, write: (s: string) => chunks.push(s), end: () => undefined, once: () => res, writableLength: 0 };
  return { res: res as unknown as Response, chunks };
}

// 30,000 events of other tenants, then five of the caller's.
const history = [...Array.from({ length: 30_000 }, (_, i) => requested(i + 1, 'acc_other')), ...Array.from({ length: 5 }, (_, i) => requested(30_001 + i, 'acc_me'))];

async function replay(after: bigint) {
  const { store, counter } = countingStore(history);
  const hub = new EventHub(store);
  const { res, chunks } = fakeResponse();
  await hub.connect((onClose) => new EventClient({ accountId: 'acc_me', keyId: 'key_me', project: undefined }, res, after, onClose), after);
  await hub.beforeApplicationShutdown();
  return { delivered: counter.delivered, text: chunks.join('') };
}

describe('EventHub replay', () => {
  it('reads a bounded number of events for Last-Event-ID 0 and tells the client to list again', async () => {
    const { delivered, text } = await replay(0n);
    // A few more may be handed out (and ignored) before the subscription's close lands.
    expect(delivered).toBeLessThanOrEqual(MAX_REPLAY_SCAN + 10);
    expect(text).toContain('event: reset');
  });

  it('still replays a client its own recent events (positive control)', async () => {
    const { delivered, text } = await replay(29_990n);
    expect(delivered).toBeLessThanOrEqual(20);
    for (let p = 30_001; p <= 30_005; p++) expect(text).toContain(`id: ${p}\n`);
    expect(text).not.toContain('event: reset');
  });
});
