// decide only reads: neither fixing the pool's range nor ending a quarantine
// happens to the given state, so the cached state equals a replay.
import { describe, expect, it } from '@jest/globals';
import { publicPoolDecider, type PublicPoolCommand } from './public-pool.decide.js';
import { publicPoolStateJson, type PublicPoolEvent, type PublicPoolState } from './public-pool.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const POOL = '203.0.113.0/28';
const allocate = (leaseId: string, now: number): PublicPoolCommand => ({ type: 'AllocatePublicAddress', pool: POOL, leaseId, resourceId: `r-${leaseId}`, now: new Date(now) });
const release = (leaseId: string, now: number): PublicPoolCommand => ({
  type: 'ReleasePublicAddress',
  pool: POOL,
  leaseId,
  resourceId: `r-${leaseId}`,
  now: new Date(now),
  quarantineSeconds: 60,
});
const json = (state: PublicPoolState) => JSON.stringify(publicPoolStateJson.toJson(state));
const ips = (events: PublicPoolEvent[]) => events.flatMap((e) => (e.type === 'PublicAddressAllocated' ? [e.data.ip] : []));

/** As the command handler runs it: decide on the cached state, evolve onto it; refusals keep the state. */
function cachedRun(commands: PublicPoolCommand[]): { cached: PublicPoolState; events: PublicPoolEvent[] } {
  let cached = publicPoolDecider.initialState();
  const events: PublicPoolEvent[] = [];
  for (const command of commands) {
    let decided: PublicPoolEvent[] = [];
    try {
      decided = publicPoolDecider.decide(command, cached);
    } catch {
      continue;
    }
    for (const e of decided) cached = publicPoolDecider.evolve(cached, e);
    events.push(...decided);
  }
  return { cached, events };
}
const replay = (events: PublicPoolEvent[]) => events.reduce(publicPoolDecider.evolve, publicPoolDecider.initialState());

describe('public pool decide is pure', () => {
  it('does not add the range to the given state', () => {
    const state = publicPoolDecider.initialState();
    expect(publicPoolDecider.decide(allocate('l1', T0), state).map((e) => e.type)).toEqual(['PublicPoolRangeAdded', 'PublicAddressAllocated']);
    expect(ips(publicPoolDecider.decide(allocate('l1', T0), state))).toEqual(['203.0.113.1']);
    expect(state.ranges).toEqual([]);
    expect(json(state)).toBe(json(publicPoolDecider.initialState()));
  });

  it('leaves the given state untouched when a quarantine has ended, and hands out the address it held', () => {
    const { cached } = cachedRun([allocate('l1', T0), allocate('l2', T0), release('l1', T0)]);
    const before = json(cached);
    expect(ips(publicPoolDecider.decide(allocate('l3', T0 + 60_000), cached))).toEqual(['203.0.113.1']);
    expect(json(cached)).toBe(before);
    // The positive control: a moment earlier it is still quarantined.
    expect(ips(publicPoolDecider.decide(allocate('l3', T0 + 59_999), cached))).toEqual(['203.0.113.3']);
  });

  it('caches what a replay gives over a long history in a small pool (quarantines, exhaustion), never handing out an address twice', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const commands: PublicPoolCommand[] = [];
    const live: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const now = T0 + i * 5_000;
      if (live.length > 0 && random() < 0.45) commands.push(release(live.splice(Math.floor(random() * live.length), 1)[0]!, now));
      else commands.push(allocate(`l${i}`, now)), live.push(`l${i}`);
    }
    const { cached, events } = cachedRun(commands);
    expect(json(cached)).toBe(json(replay(events)));
    const held = [...cached.holders.values()].map((l) => l.ip);
    expect(new Set(held).size).toBe(held.length);
  });
});
