// decide only reads: the state a service caches (decide, then evolve its own
// events onto the same object) is exactly what a replay of the events gives,
// so a snapshot of it is too. Quarantine ends by the clock, read at decide
// time, never by mutating the state.
import { describe, expect, it } from '@jest/globals';
import { networkDecider, type NetworkCommand } from './network.decide.js';
import { networkStateJson, type NetworkEvent, type NetworkState } from './network.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const KINDS = ['vm', 'database', 'cache', 'bucket'] as const;
const allocate = (resourceId: string, now: number, kind: string = 'vm'): NetworkCommand => ({
  type: 'AllocateAddress',
  networkId: 'net_1',
  cidr: '10.7.0.0/16',
  resourceId,
  kind,
  now: new Date(now),
});
const release = (resourceId: string, now: number): NetworkCommand => ({ type: 'ReleaseAddress', networkId: 'net_1', resourceId, now: new Date(now), quarantineSeconds: 60 });
const json = (state: NetworkState) => JSON.stringify(networkStateJson.toJson(state));

/** As the command handler runs it: decide on the cached state, evolve onto it; refusals keep the state. */
function cachedRun(commands: NetworkCommand[]): { cached: NetworkState; events: NetworkEvent[] } {
  let cached = networkDecider.initialState();
  const events: NetworkEvent[] = [];
  for (const command of commands) {
    let decided: NetworkEvent[] = [];
    try {
      decided = networkDecider.decide(command, cached);
    } catch {
      continue;
    }
    for (const e of decided) cached = networkDecider.evolve(cached, e);
    events.push(...decided);
  }
  return { cached, events };
}
const replay = (events: NetworkEvent[]) => events.reduce(networkDecider.evolve, networkDecider.initialState());
const ips = (events: NetworkEvent[]) => events.flatMap((e) => (e.type === 'AddressAllocated' ? [e.data.ip] : []));

describe('network decide is pure', () => {
  it('leaves the given state untouched when a quarantine has ended, and hands out the address it held', () => {
    const { cached } = cachedRun([allocate('a', T0), release('a', T0)]);
    const before = json(cached);
    const events = networkDecider.decide(allocate('b', T0 + 60_000), cached);
    expect(ips(events)).toEqual(['10.7.1.1']);
    expect(json(cached)).toBe(before);
  });

  it('keeps a quarantined address out until its time (the positive control of the one above)', () => {
    const { cached } = cachedRun([allocate('a', T0), release('a', T0)]);
    expect(ips(networkDecider.decide(allocate('b', T0 + 59_999), cached))).toEqual(['10.7.1.2']);
  });

  it('caches what a replay gives once a kind spills into a spare block', () => {
    const commands = [...Array(256).keys()].map((i) => allocate(`vm_${i}`, T0));
    const { cached, events } = cachedRun(commands);
    expect(ips(events).at(-1)).toBe('10.7.5.2');
    expect(json(cached)).toBe(json(replay(events)));
  });

  it('caches what a replay gives over a long history with quarantines and refusals, never handing out an address twice', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const commands: NetworkCommand[] = [];
    const live: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const now = T0 + i * 700;
      if (live.length > 0 && random() < 0.4) commands.push(release(live.splice(Math.floor(random() * live.length), 1)[0]!, now));
      else if (random() < 0.05) commands.push(allocate(`bad${i}`, now, 'printer')); // refused
      else commands.push(allocate(`r${i}`, now, KINDS[i % 4]!)), live.push(`r${i}`);
    }
    const { cached, events } = cachedRun(commands);
    expect(json(cached)).toBe(json(replay(events)));
    const held = [...cached.holders.values()].map((a) => a.ip);
    expect(new Set(held).size).toBe(held.length);
  });
});
