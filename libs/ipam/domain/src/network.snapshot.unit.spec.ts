// A network restored from a snapshot decides exactly as one folded from every
// event: same holders, same next address for every kind, same refusals.
import { describe, expect, it } from '@jest/globals';
import { networkDecider, type NetworkCommand } from './network.decide.js';
import { networkStateJson, type NetworkState } from './network.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const KINDS = ['vm', 'database', 'cache', 'bucket'] as const;

/** A deterministic pseudo-random history of allocations and releases (with quarantine), as the service would run it. */
function history(steps: number): { state: NetworkState; now: number } {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let state = networkDecider.initialState();
  const live: string[] = [];
  let now = T0;
  for (let i = 0; i < steps; i++) {
    now += 1000;
    const release = live.length > 0 && random() < 0.3;
    const command: NetworkCommand = release
      ? { type: 'ReleaseAddress', networkId: 'net_1', resourceId: live.splice(Math.floor(random() * live.length), 1)[0]!, now: new Date(now), quarantineSeconds: 60 }
      : { type: 'AllocateAddress', networkId: 'net_1', cidr: '10.7.0.0/16', resourceId: `r${i}`, kind: KINDS[i % 4]!, now: new Date(now) };
    if (!release) live.push(`r${i}`);
    state = networkDecider.decide(command, state).reduce(networkDecider.evolve, state);
  }
  return { state, now };
}

const restored = (state: NetworkState) => networkStateJson.fromJson(JSON.parse(JSON.stringify(networkStateJson.toJson(state))));

describe('network snapshots', () => {
  it.each([0, 1, 300, 3000])('after %i steps, a restored network decides as the folded one', (steps) => {
    const { state, now } = history(steps);
    const copy = restored(state);
    expect(copy.cidr).toBe(state.cidr);
    expect([...copy.holders].sort()).toEqual([...state.holders].sort());
    // Both go on the same way: allocations of every kind, some after quarantines expire.
    let a = state;
    let b = copy;
    for (let i = 0; i < 400; i++) {
      const command: NetworkCommand = {
        type: 'AllocateAddress',
        networkId: 'net_1',
        cidr: '10.7.0.0/16',
        resourceId: `next${i}`,
        kind: KINDS[i % 4]!,
        now: new Date(now + i * 500),
      };
      const ea = networkDecider.decide(command, a);
      const eb = networkDecider.decide(command, b);
      expect(eb).toEqual(ea);
      a = ea.reduce(networkDecider.evolve, a);
      b = eb.reduce(networkDecider.evolve, b);
    }
  });

  it('keeps refusing a retired resource after a restore', () => {
    const { state, now } = history(300);
    const retired = [...Array(300).keys()].map((i) => `r${i}`).find((id) => !state.holders.has(id) && state.retired.isRetired(id))!;
    const command: NetworkCommand = { type: 'AllocateAddress', networkId: 'net_1', cidr: '10.7.0.0/16', resourceId: retired, kind: 'vm', now: new Date(now) };
    expect(() => networkDecider.decide(command, restored(state))).toThrow(/gets no other/);
  });

  it('restores a full /16', () => {
    let state = networkDecider.initialState();
    for (let i = 0; i < 252 * 254; i++) {
      const command: NetworkCommand = { type: 'AllocateAddress', networkId: 'n', cidr: '10.0.0.0/16', resourceId: `vm_${i}`, kind: 'vm', now: new Date(T0) };
      state = networkDecider.decide(command, state).reduce(networkDecider.evolve, state);
    }
    const json = JSON.stringify(networkStateJson.toJson(state));
    const started = performance.now();
    const copy = networkStateJson.fromJson(JSON.parse(json));
    const ms = performance.now() - started;
    expect(copy.holders.size).toBe(252 * 254);
    // Reported, not asserted as a timing: bench/boot holds the figure.
    process.stdout.write(`full /16 snapshot: ${(json.length / 1e6).toFixed(1)} MB, restored in ${ms.toFixed(0)} ms\n`);
  });
});
