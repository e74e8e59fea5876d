// One public pool for the platform (issue 18.1): ranges are added and removed
// as events, a wider range absorbs a narrower one with its leases and
// quarantine, and a range that holds either cannot be removed.
import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PublicAddressAllocatedSchema, PublicAddressReleasedSchema, PublicPoolRangeAddedSchema, PublicPoolRangeRemovedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { publicPoolDecider, type PublicPoolCommand } from './public-pool.decide.js';
import { publicPoolStateJson, type PublicPoolEvent, type PublicPoolState } from './public-pool.js';
import { legacyPoolContents } from './public-pool-legacy.js';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const NARROW = '198.51.100.4/30'; // hosts .5 and .6
const WIDE = '198.51.100.0/24';

const allocate = (leaseId: string, pool: string, now = T0): PublicPoolCommand => ({ type: 'AllocatePublicAddress', pool, leaseId, resourceId: `r-${leaseId}`, now: new Date(now) });
const release = (leaseId: string, now = T0): PublicPoolCommand => ({ type: 'ReleasePublicAddress', pool: NARROW, leaseId, resourceId: `r-${leaseId}`, now: new Date(now), quarantineSeconds: 600 });
const allocated = (leaseId: string, ip: string, pool = NARROW, at = T0): PublicPoolEvent => ({
  type: 'PublicAddressAllocated',
  data: create(PublicAddressAllocatedSchema, { pool, leaseId, resourceId: `r-${leaseId}`, ip, allocatedAt: timestampFromMs(at) }),
});
const released = (leaseId: string, ip: string, at: number, until: number): PublicPoolEvent => ({
  type: 'PublicAddressReleased',
  data: create(PublicAddressReleasedSchema, { pool: NARROW, leaseId, resourceId: `r-${leaseId}`, ip, releasedAt: timestampFromMs(at), quarantinedUntil: timestampFromMs(until) }),
});
const ipsOf = (events: PublicPoolEvent[]) => events.flatMap((e) => (e.type === 'PublicAddressAllocated' ? [e.data.ip] : []));

function run(commands: PublicPoolCommand[], state: PublicPoolState) {
  const events: PublicPoolEvent[] = [];
  for (const command of commands) {
    for (const e of publicPoolDecider.decide(command, state)) {
      state = publicPoolDecider.evolve(state, e);
      events.push(e);
    }
  }
  return { events, state };
}
const given = (events: PublicPoolEvent[]) => events.reduce(publicPoolDecider.evolve, publicPoolDecider.initialState());

describe('public pool: widening', () => {
  const pool = spec(publicPoolDecider);

  it('never hands out an address leased under the narrower pool', () => {
    const history = [allocated('a', '198.51.100.5')];
    // The first allocation under the wider pool: the lowest free address, not .5.
    const first = publicPoolDecider.decide(allocate('b', WIDE), given(history));
    expect(ipsOf(first)).toEqual(['198.51.100.1']);
    // Every address of the /24 but .5, each once, then public_pool_exhausted.
    const { events, state } = run([...Array(253).keys()].map((i) => allocate(`w${i}`, WIDE)), given(history));
    const ips = ipsOf(events);
    expect(ips).toHaveLength(253);
    expect(ips).not.toContain('198.51.100.5');
    expect(new Set(ips).size).toBe(253);
    expect(() => publicPoolDecider.decide(allocate('one-too-many', WIDE), state)).toThrow(expect.objectContaining({ code: 'public_pool_exhausted' }));
  });

  it('keeps an address quarantined under the narrower pool out of use until its time', () => {
    const history = [allocated('a', '198.51.100.5'), allocated('b', '198.51.100.6'), released('a', '198.51.100.5', T0, T0 + 600_000)];
    const early = run([...Array(252).keys()].map((i) => allocate(`w${i}`, WIDE, T0 + 1000)), given(history));
    expect(ipsOf(early.events)).not.toContain('198.51.100.5');
    expect(() => publicPoolDecider.decide(allocate('late', WIDE, T0 + 599_999), early.state)).toThrow(expect.objectContaining({ code: 'public_pool_exhausted' }));
    expect(ipsOf(publicPoolDecider.decide(allocate('late', WIDE, T0 + 600_000), early.state))).toEqual(['198.51.100.5']);
  });

  it('lets the narrower pool, still configured on another instance, decide against the same leases', () => {
    const { events } = run([allocate('b', WIDE), allocate('c', NARROW), allocate('d', NARROW)], given([allocated('a', '198.51.100.5')]));
    expect(ipsOf(events)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('adds a configured pool that is missing as a range, absorbing the narrower one; a range inside one is nothing new', () => {
    pool.given([allocated('a', '198.51.100.5')]).when({ type: 'AddPublicPoolRange', cidr: WIDE, now: new Date(T0) }).then([
      { type: 'PublicPoolRangeAdded', data: create(PublicPoolRangeAddedSchema, { cidr: WIDE, absorbed: [NARROW], addedAt: timestampFromMs(T0) }) },
    ]);
    pool.given([allocated('a', '198.51.100.5')]).when({ type: 'AddPublicPoolRange', cidr: NARROW, now: new Date(T0) }).thenNothingHappened();
    const widened: PublicPoolEvent = { type: 'PublicPoolRangeAdded', data: create(PublicPoolRangeAddedSchema, { cidr: WIDE, absorbed: [NARROW], addedAt: timestampFromMs(T0) }) };
    pool.given([allocated('a', '198.51.100.5'), widened]).when({ type: 'AddPublicPoolRange', cidr: '198.51.100.8/30', now: new Date(T0) }).thenNothingHappened();
    pool.given([allocated('a', '198.51.100.5'), widened]).when({ type: 'RemovePublicPoolRange', cidr: NARROW, now: new Date(T0) }).thenThrows('not_found');
    pool.given([]).when({ type: 'AddPublicPoolRange', cidr: '198.51.100.7/24', now: new Date(T0) }).thenThrows('invalid_request');
  });
});

describe('public pool: removing a range', () => {
  const pool = spec(publicPoolDecider);
  const disjoint = '192.0.2.0/24';

  it('refuses while a lease or a quarantine holds one of its addresses, and removes it once neither does', () => {
    const leased = [allocated('a', '198.51.100.5'), allocated('x', '192.0.2.1', disjoint)];
    pool.given(leased).when({ type: 'RemovePublicPoolRange', cidr: NARROW, now: new Date(T0) }).thenThrows('public_range_in_use');
    const quarantined = [...leased, released('a', '198.51.100.5', T0, T0 + 600_000)];
    pool.given(quarantined).when({ type: 'RemovePublicPoolRange', cidr: NARROW, now: new Date(T0 + 599_999) }).thenThrows('public_range_in_use');
    pool.given(quarantined).when({ type: 'RemovePublicPoolRange', cidr: NARROW, now: new Date(T0 + 600_000) }).then([
      { type: 'PublicPoolRangeRemoved', data: create(PublicPoolRangeRemovedSchema, { cidr: NARROW, removedAt: timestampFromMs(T0 + 600_000) }) },
    ]);
    pool.given(quarantined).when({ type: 'RemovePublicPoolRange', cidr: '203.0.113.0/24', now: new Date(T0) }).thenThrows('not_found');
  });

  it('hands out nothing from a removed range, and the other ranges as before', () => {
    const { state } = run(
      [{ type: 'AddPublicPoolRange', cidr: disjoint, now: new Date(T0) }, { type: 'AddPublicPoolRange', cidr: NARROW, now: new Date(T0) }, { type: 'RemovePublicPoolRange', cidr: disjoint, now: new Date(T0) }],
      publicPoolDecider.initialState(),
    );
    const { events } = run([allocate('a', NARROW), allocate('b', NARROW)], state);
    expect(ipsOf(events)).toEqual(['198.51.100.5', '198.51.100.6']);
  });
});

describe('public pool: an old per-CIDR stream carried in', () => {
  const pool = spec(publicPoolDecider);
  const stream = 'publicpool-198_51_100_4-30';
  const old = [allocated('a', '198.51.100.5'), allocated('b', '198.51.100.6'), released('b', '198.51.100.6', T0, T0 + 600_000)];
  const carry = (revision: number, now = T0 + 1000): PublicPoolCommand => ({ type: 'CarryPublicPoolStream', stream, cidr: NARROW, revision, contents: legacyPoolContents(old), now: new Date(now) });

  it('keeps its leases, quarantine and ended leases in the pool', () => {
    const { state } = run([carry(2), { type: 'AddPublicPoolRange', cidr: WIDE, now: new Date(T0 + 1000) }], publicPoolDecider.initialState());
    // A snapshot of the state decides the same (taken first: run evolves the state it is given).
    const restored = publicPoolStateJson.fromJson(JSON.parse(JSON.stringify(publicPoolStateJson.toJson(state))));
    const { events } = run([...Array(252).keys()].map((i) => allocate(`w${i}`, WIDE, T0 + 2000)), state);
    expect(run([...Array(252).keys()].map((i) => allocate(`w${i}`, WIDE, T0 + 2000)), restored).events).toEqual(events);
    expect(ipsOf(events)).not.toContain('198.51.100.5');
    expect(ipsOf(events)).not.toContain('198.51.100.6');
    expect(() => publicPoolDecider.decide(allocate('b', WIDE, T0 + 2000), restored)).toThrow(expect.objectContaining({ code: 'lease_ended' }));
    expect(publicPoolDecider.decide(release('a', T0 + 2000), restored).map((e) => (e.type === 'PublicAddressReleased' ? e.data.ip : ''))).toEqual(['198.51.100.5']);
  });

  it('carries once, and refuses to boot on an old stream grown since or an address leased twice', () => {
    const carried = run([carry(2)], publicPoolDecider.initialState()).events;
    pool.given(carried).when(carry(2)).thenNothingHappened();
    pool.given(carried).when(carry(3)).thenThrows('public_pool_conflict');
    pool.given([allocated('z', '198.51.100.5', WIDE)]).when(carry(2)).thenThrows('public_pool_conflict');
  });
});
