// A checkpoint of a large read model must not stop the world: while it is
// written, the event loop keeps turning (the DNS primary's heartbeat is 50 ms),
// and what is saved is the state at the checkpoint's position, even though
// events go on changing it meanwhile.
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WatchedMap } from '@pn/decider';
import { MemorySnapshotStore, type EventStore, type RecordedEvent, type SnapshotStore, type Subscription } from '@pn/event-store';
import { ProjectionRunner, type Projection } from './index.js';

const ENTRIES = 200_000;
const quiet = { log: () => {}, warn: () => {}, error: () => {} };
setFlagsFromString('--expose-gc');
/** A full collection now: the pause of collecting the state just built is not the checkpoint's. */
const collectGarbage = runInNewContext('gc') as () => void;

type Big = WatchedMap< { readonly name: string; readonly ip: string; readonly hostnames: readonly string[]; readonly revision: number }>;

function bigProjection(name: string, entries = ENTRIES): Projection<Big> {
  return {
    name,
    category: 'big',
    initialState: () => {
      const state: Big = new WatchedMap();
      for (let i = 0; i < entries; i++) state.set(`vm_${i}`, { name: `vm-${i}`, ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, hostnames: [`vm-${i}.vm.internal`, `vm-${i}`], revision: 3 });
      return state;
    },
    evolve: (state, event) => {
      if (event.type === 'Deleted') state.delete(event.streamId);
      else state.set(event.streamId, { name: event.type, ip: '', hostnames: [], revision: event.revision });
      return state;
    },
    checkpoint: {
      tables: (state) => ({ vms: state as WatchedMap<unknown> }),
      entryToJson: (_table, _key, value) => value,
      restoreEntry: (state, _table, key, json) => state.set(key, json as never),
    },
  };
}

type HandStore = EventStore & { deliver(event: Pick<RecordedEvent, 'streamId' | 'type' | 'revision'>, position: bigint): Promise<void> };

/** An event store holding nothing but what `deliver` hands to the one subscriber. */
function handStore(): HandStore {
  let handler: ((event: RecordedEvent) => Promise<void>) | undefined;
  return {
    subscribe: async (_category: string, handle: (event: RecordedEvent) => Promise<void>): Promise<Subscription> => {
      handler = handle;
      return { caughtUp: Promise.resolve(), behindSince: () => undefined, close: async () => {} };
    },
    head: async () => undefined,
    deliver: (event: Pick<RecordedEvent, 'streamId' | 'type' | 'revision'>, position: bigint) => handler!({ id: `e${position}`, data: new Uint8Array(), metadata: {}, recordedAt: new Date(), ...event, position } as RecordedEvent),
  } as unknown as HandStore;
}

/** Keeps the chunks of what is saved as they come (joining them is no part of writing a checkpoint). */
function chunkStore(): SnapshotStore & { saved: Map<string, readonly Uint8Array[]> } {
  const saved = new Map<string, readonly Uint8Array[]>();
  return {
    saved,
    load: async (key) => (saved.has(key) ? Buffer.concat(saved.get(key)!) : undefined),
    save: async (key, value) => void saved.set(key, value instanceof Uint8Array ? [value] : value),
    close: async () => {},
  };
}

/**
 * The longest stretch of work on this thread between two turns of the event
 * loop (a 1 ms timer's ticks) from now until stop(), in CPU time: what the
 * code under test holds the loop for. Wall time between ticks also counts
 * the time other processes of a shared machine had the core, which no code
 * here can shorten; it is reported alongside.
 */
function stallProbe(): { stop(): Promise<{ cpuMs: number; wallMs: number }> } {
  const cpu = () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  };
  let last = { cpu: cpu(), wall: performance.now() };
  const longest = { cpuMs: 0, wallMs: 0 };
  const timer = setInterval(() => {
    const now = { cpu: cpu(), wall: performance.now() };
    longest.cpuMs = Math.max(longest.cpuMs, now.cpu - last.cpu);
    longest.wallMs = Math.max(longest.wallMs, now.wall - last.wall);
    last = now;
  }, 1);
  return {
    async stop() {
      await sleep(5); // a last tick measures a stall that lasted until now
      clearInterval(timer);
      return longest;
    },
  };
}

describe('a checkpoint of a large read model', () => {
  it(`keeps the event loop turning (no stall of 50 ms) while ${ENTRIES.toLocaleString('en-US')} entries are written`, async () => {
    const store = handStore();
    const checkpoints = chunkStore();
    // No checkpoint before stop(), which writes the one measured.
    const runner = new ProjectionRunner(store, bigProjection('big.stall.v1'), { checkpoints, checkpointIntervalMs: 3_600_000, logger: quiet });
    await runner.start();
    await store.deliver({ streamId: 'vm_1', type: 'Changed', revision: 4 }, 1n);
    collectGarbage();
    const probe = stallProbe();
    await runner.stop(); // saves the last checkpoint
    const longest = await probe.stop();
    process.stdout.write(
      `longest event-loop stall during a checkpoint of ${ENTRIES} entries: ${longest.cpuMs.toFixed(1)} ms of work (${longest.wallMs.toFixed(1)} ms of wall time)\n`,
    );
    expect(checkpoints.saved.size).toBe(1);
    expect(longest.cpuMs).toBeLessThan(50);
  }, 60_000);

  it('holds the state at its position, though events change entries while it is written', async () => {
    const store = handStore();
    const saves: Uint8Array[] = [];
    const checkpoints = new MemorySnapshotStore();
    const save = checkpoints.save.bind(checkpoints);
    checkpoints.save = async (key, value) => {
      await save(key, value);
      saves.push(checkpoints.values.get(key)!);
    };
    const runner = new ProjectionRunner(store, bigProjection('big.consistent.v1'), { checkpoints, checkpointIntervalMs: 0, logger: quiet });
    await runner.start();
    // The first event starts a checkpoint (interval 0); the next ones arrive while it is being written.
    await store.deliver({ streamId: 'vm_1', type: 'Changed', revision: 4 }, 1n);
    await store.deliver({ streamId: 'vm_199999', type: 'Changed', revision: 4 }, 2n); // not written yet: its old value goes first
    await store.deliver({ streamId: 'vm_199998', type: 'Deleted', revision: 4 }, 3n);
    await store.deliver({ streamId: 'vm_new', type: 'Created', revision: 0 }, 4n);
    await store.deliver({ streamId: 'vm_1', type: 'ChangedAgain', revision: 5 }, 5n); // written already: stays as at position 1
    await runner.stop();
    expect(saves.length).toBe(2);

    const restored = async (bytes: Uint8Array) => {
      const fresh = handStore();
      const again = new ProjectionRunner(fresh, bigProjection('big.consistent.v1', 0), { checkpoints: { ...new MemorySnapshotStore(), load: async () => bytes, save: async () => {}, close: async () => {} }, logger: quiet });
      await again.start();
      return { state: again.state, position: again.status().position };
    };
    const first = await restored(saves[0]!);
    expect(first.position).toBe('1');
    expect(first.state.size).toBe(ENTRIES);
    expect(first.state.get('vm_1')).toEqual({ name: 'Changed', ip: '', hostnames: [], revision: 4 });
    expect(first.state.get('vm_199999')).toEqual({ name: 'vm-199999', ip: '10.3.13.63', hostnames: ['vm-199999.vm.internal', 'vm-199999'], revision: 3 });
    expect(first.state.has('vm_199998')).toBe(true);
    expect(first.state.has('vm_new')).toBe(false);
    const last = await restored(saves[1]!);
    expect(last.position).toBe('5');
    // Compared as text: a diff of 200,000 entries would take minutes to print.
    expect(JSON.stringify([...last.state]) === JSON.stringify([...runner.state])).toBe(true);
  }, 60_000);
});
