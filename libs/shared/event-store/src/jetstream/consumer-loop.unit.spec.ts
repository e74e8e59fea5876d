// The consumer loop without a server: pulls stand in as async iterables that
// deliver their messages, then either fail or wait like a live pull.
import { describe, expect, it } from '@jest/globals';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { jetStreamWaits } from './availability.js';
import { runConsumerLoop } from './consumer-loop.js';

const msg = (seq: number) => ({ seq }) as unknown as JsMsg;

/** A pull delivering `seqs`, then throwing `error` if given, else waiting until stopped. */
function pull(seqs: number[], error?: Error): ConsumerMessages {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let isStopped = false;
  return {
    getReceived: () => 0,
    getPending: () => 0,
    status: async function* () {
      await stopped;
    },
    closed: () => stopped.then(() => null),
    stop: () => {
      isStopped = true;
      stop();
    },
    async *[Symbol.asyncIterator]() {
      for (const seq of seqs) {
        if (isStopped) return;
        yield msg(seq);
      }
      if (error) throw error;
      await stopped;
    },
  } as unknown as ConsumerMessages;
}

describe('the consumer loop', () => {
  it('hands every message over in order, opens the pull again after a failure from where the owner is, and lists the wait meanwhile', async () => {
    const seen: number[] = [];
    const opened: number[] = [];
    const waitsWhilePaused: string[][] = [];
    const pulls = [() => pull([1, 2], new Error('consumer lost: no heartbeat')), () => pull([3, 4])];
    const loop = runConsumerLoop({
      what: 'test consumer',
      stopped: () => false,
      open: async () => {
        opened.push(seen.length);
        return pulls.shift()!();
      },
      handle: (m) => void seen.push(m.seq),
      pause: async () => void waitsWhilePaused.push(jetStreamWaits()),
      log: () => {},
    });
    for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(opened).toEqual([0, 2]);
    expect(waitsWhilePaused).toEqual([['test consumer']]);
    expect(jetStreamWaits()).toEqual([]);
    loop.stop();
    await loop.done;
  });

  it('ends when the handler says the owner is done, and when stopped, without opening again', async () => {
    let opens = 0;
    const done = runConsumerLoop({
      what: 'done',
      stopped: () => false,
      open: async () => (opens++, pull([1, 2, 3])),
      handle: (m) => m.seq < 2,
      pause: async () => {},
      log: () => {},
    }).done;
    await done;
    expect(opens).toBe(1);

    const seen: number[] = [];
    const loop = runConsumerLoop({ what: 'stopped', stopped: () => false, open: async () => pull([7]), handle: (m) => void seen.push(m.seq), pause: async () => {}, log: () => {} });
    await new Promise((r) => setTimeout(r, 10));
    loop.stop();
    await loop.done;
    expect(seen).toEqual([7]);
  });
});
