// bench/directory: heap held by the resource directory per live resource,
// folded from the boot benchmark's history (cold) and read back from its
// checkpoint (warm), and the longest event-loop stall while its checkpoint is
// written. In process, with full collections around each measure, so the
// figure is the directory's own bytes (a service's RSS also holds Node,
// NestJS and garbage not yet collected). `npm run bench:directory`
// (BOOT_LIVE live resources, default 5,000; 100,000 for the figure in the README).
import { it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EventData, EventStore, RecordedEvent } from '@pn/event-store';
import { throughCheckpoint, writeCheckpoint } from '@pn/projection';
import { resourceDirectoryProjection } from '../../services/resources/src/directory/resource-directory.js';
import { LIVE, writeHistory } from './boot-history.js';
import { printTable } from './table.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapNow = async () => {
  // Collections until the heap stops shrinking: garbage of what came before is not the directory's.
  let heap = Infinity;
  for (;;) {
    await sleep(50);
    gc();
    const now = process.memoryUsage().heapUsed;
    if (now > heap - 64 * 1024) return now;
    heap = now;
  }
};

/** The resource events of a history of LIVE live resources (only live ones: 6 events per resource, 4 of them resource events). */
async function resourceEvents(): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let position = 0n;
  const store = {
    append: async (streamId: string, data: readonly EventData[]) => {
      if (!streamId.startsWith('resource-')) return { nextRevision: 0, position: 0n };
      data.forEach((e, revision) => events.push({ streamId, id: `e${position}`, type: e.type, data: e.data, metadata: {}, revision, position: ++position, recordedAt: new Date() } as RecordedEvent));
      return { nextRevision: data.length - 1, position };
    },
  } as unknown as EventStore;
  await writeHistory(store, LIVE * 6);
  return events;
}

it(
  `holds ${LIVE.toLocaleString('en-US')} live resources in the directory`,
  async () => {
    const events = await resourceEvents();
    const before = await heapNow();
    let directory = resourceDirectoryProjection.initialState();
    for (const event of events) directory = await resourceDirectoryProjection.evolve(directory, event);
    const cold = (await heapNow()) - before;
    const live = directory.size.live;

    const readStarted = performance.now();
    const copy = await throughCheckpoint(resourceDirectoryProjection, directory);
    const roundTripMs = performance.now() - readStarted;
    directory = resourceDirectoryProjection.initialState();
    const warm = (await heapNow()) - before;
    if (copy.size.live !== live) throw new Error('the checkpoint lost resources');
    // The events are held through every measure of heap (so they are in none of the differences), then let go:
    // the stall below is the checkpoint's, not that of collecting a heap swollen by them.
    if (events.length < live) throw new Error('events missing');
    events.length = 0;
    await heapNow();

    let longest = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const written = await writeCheckpoint(resourceDirectoryProjection.name, resourceDirectoryProjection.checkpoint, copy, { position: 1n, parked: 0 });
    await sleep(5);
    clearInterval(probe);
    const bytes = written.chunks.reduce((n, c) => n + c.byteLength, 0);
    printTable(`Resource directory with ${live.toLocaleString('en-US')} live resources`, [
      { measure: 'heap per live resource, folded from the events (cold)', value: `${Math.round(cold / live)} B` },
      { measure: 'heap per live resource, read from its checkpoint (warm)', value: `${Math.round(warm / live)} B` },
      { measure: 'checkpoint size per live resource', value: `${Math.round(bytes / live)} B` },
      { measure: 'checkpoint written in', value: `${Math.round(written.busyMs)} ms of work` },
      { measure: 'checkpoint written and read back (wall)', value: `${Math.round(roundTripMs)} ms` },
      { measure: 'longest event-loop stall while it was written', value: `${longest.toFixed(1)} ms` },
    ]);
  },
  30 * 60_000,
);
