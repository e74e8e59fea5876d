import { describe, expect, it } from '@jest/globals';
import { WatchedMap } from '@pn/decider';
import { readCheckpoint, writeCheckpoint, type CheckpointFormat } from './checkpoint.js';

type State = { a: WatchedMap<number>; b: WatchedMap<string> };
const format: CheckpointFormat<State> = {
  tables: (s) => ({ a: s.a as WatchedMap<unknown>, b: s.b as WatchedMap<unknown> }),
  entryToJson: (_t, _k, v) => v,
  restoreEntry: (s, t, k, json) => {
    if (t === 'a') s.a.set(k, json as number);
    else s.b.set(k, json as string);
    return s;
  },
};
const empty = (): State => ({ a: new WatchedMap(), b: new WatchedMap() });
const filled = (): State => {
  const state = empty();
  state.a.set('x', 1).set('y', 2);
  state.b.set('z', 'zed');
  return state;
};
const HEADER = '{"v":2,"projection":"p.v1","position":"1","parked":0}';
const bytesOf = async (state: State, projection = 'p.v1') =>
  Buffer.concat((await writeCheckpoint(projection, format, state, { position: 2n ** 60n + 3n, parked: 2 })).chunks);

describe('checkpoints on the wire', () => {
  it('round-trips every table, the position and the parked count', async () => {
    const state = filled();
    const read = await readCheckpoint('p.v1', format, empty(), await bytesOf(state));
    expect('unusable' in read).toBe(false);
    const { position, parked, state: copy } = read as Exclude<typeof read, { unusable: string }>;
    expect({ position, parked, a: [...copy.a], b: [...copy.b] }).toEqual({ position: 2n ** 60n + 3n, parked: 2, a: [...state.a], b: [...state.b] });
  });

  it.each([
    ['garbage', async () => Buffer.from('{nope'), /not JSON/],
    ['the whole-state format of before', async () => Buffer.from('{"v":1,"projection":"p.v1","position":"1","parked":0,"state":{}}'), /unknown format/],
    ['another projection', () => bytesOf(empty(), 'q.v1'), /belongs to q.v1/],
    ['a bad position', async () => Buffer.from('{"v":2,"projection":"p.v1","position":"-1","parked":0}\n{"end":0}\n'), /no valid position/],
    ['null', async () => Buffer.from('null'), /unknown format/],
    ['one cut short', async () => (await bytesOf(filled())).subarray(0, 80), /cut short \(no trailer\)/],
    ['one whose count is wrong', async () => Buffer.from(`${HEADER}\n["a","x",1]\n{"end":2,"late":0,"lateAt":${HEADER.length + 13}}\n`), /cut short: 1 \+ 0 entries, not 2 \+ 0/],
  ])('refuses %s', async (_, bytes, reason) => {
    const read = await readCheckpoint('p.v1', format, empty(), await bytes());
    expect('unusable' in read && read.unusable).toMatch(reason);
  });
});
