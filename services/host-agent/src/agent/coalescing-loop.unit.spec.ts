import { describe, expect, it } from '@jest/globals';
import { CoalescingLoop } from './coalescing-loop.js';

describe('coalescing loop', () => {
  it('runs a burst of requests made during a run as one more run, never two at once', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let release!: () => void;
    const loop = new CoalescingLoop(async () => {
      active++;
      most = Math.max(most, active);
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
      active--;
    }, 60_000);
    const first = loop.request();
    const burst = [loop.request(), loop.request(), loop.request()];
    release();
    await Promise.all([first, ...burst]);
    expect({ runs, most }).toEqual({ runs: 2, most: 1 });
    await loop.stop();
  });

  it('a request made while idle runs at once, and stop waits for the run under way', async () => {
    const done: number[] = [];
    const loop = new CoalescingLoop(async () => void done.push(done.length), 60_000);
    await loop.request();
    await loop.request();
    expect(done).toEqual([0, 1]);
    await loop.stop();
    await loop.request();
    expect(done).toEqual([0, 1]);
  });
});
