import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PublicAddressAllocatedSchema, PublicAddressReleasedSchema, PublicPoolRangeAddedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { publicPoolDecider, type PublicPoolCommand } from './public-pool.decide.js';
import { publicPoolStateJson, type PublicPoolEvent, type PublicPoolState } from './public-pool.js';
import { legacyPublicPoolStreamId, parsePoolRange, PUBLIC_POOL_STREAM } from './public-pool-range.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const POOL = '203.0.113.0/24';

const allocate = (leaseId: string, now = T0, pool = POOL): PublicPoolCommand => ({ type: 'AllocatePublicAddress', pool, leaseId, resourceId: `r-${leaseId}`, now: new Date(now) });
const release = (leaseId: string, now = T0, quarantineSeconds = 600): PublicPoolCommand => ({
  type: 'ReleasePublicAddress',
  pool: POOL,
  leaseId,
  resourceId: `r-${leaseId}`,
  now: new Date(now),
  quarantineSeconds,
});
const allocated = (leaseId: string, ip: string, at = T0, pool = POOL): PublicPoolEvent => ({
  type: 'PublicAddressAllocated',
  data: create(PublicAddressAllocatedSchema, { pool, leaseId, resourceId: `r-${leaseId}`, ip, allocatedAt: timestampFromMs(at) }),
});
const rangeAdded = (cidr = POOL, at = T0): PublicPoolEvent => ({ type: 'PublicPoolRangeAdded', data: create(PublicPoolRangeAddedSchema, { cidr, absorbed: [], addedAt: timestampFromMs(at) }) });
const ipsOf = (events: PublicPoolEvent[]) => events.flatMap((e) => (e.type === 'PublicAddressAllocated' ? [e.data.ip] : []));
const released = (leaseId: string, ip: string, at: number, until: number): PublicPoolEvent => ({
  type: 'PublicAddressReleased',
  data: create(PublicAddressReleasedSchema, { pool: POOL, leaseId, resourceId: `r-${leaseId}`, ip, releasedAt: timestampFromMs(at), quarantinedUntil: timestampFromMs(until) }),
});

function run(commands: PublicPoolCommand[], state: PublicPoolState = publicPoolDecider.initialState()) {
  const events: PublicPoolEvent[] = [];
  for (const command of commands) {
    for (const e of publicPoolDecider.decide(command, state)) {
      state = publicPoolDecider.evolve(state, e);
      events.push(e);
    }
  }
  return { events, state };
}

describe('public pool: allocation', () => {
  const pool = spec(publicPoolDecider);

  it('hands out the lowest address, never the network address', () => {
    pool.given([]).when(allocate('a')).then([rangeAdded(), allocated('a', '203.0.113.1')]);
    pool.given([rangeAdded()]).when(allocate('a')).then([allocated('a', '203.0.113.1')]);
    pool.given([allocated('a', '203.0.113.1')]).when(allocate('b')).then([allocated('b', '203.0.113.2')]);
  });

  it('treats a second request for a lease as a retry', () => {
    pool.given([allocated('a', '203.0.113.1')]).when(allocate('a')).thenNothingHappened();
  });

  it('fills the pool with distinct addresses, never the broadcast, then says public_pool_exhausted', () => {
    const { events, state } = run([...Array(254).keys()].map((i) => allocate(`l${i}`)));
    const ips = ipsOf(events);
    expect(ips).toHaveLength(254); // .1 to .254
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips[0]).toBe('203.0.113.1');
    expect(ips.at(-1)).toBe('203.0.113.254');
    expect(ips).not.toContain('203.0.113.0');
    expect(ips).not.toContain('203.0.113.255');
    expect(() => publicPoolDecider.decide(allocate('one-too-many'), state)).toThrow(expect.objectContaining({ code: 'public_pool_exhausted' }));
  });

  it('works for any pool size: a /30 has two addresses', () => {
    const { events, state } = run([allocate('a', T0, '198.51.100.4/30'), allocate('b', T0, '198.51.100.4/30')]);
    expect(ipsOf(events)).toEqual(['198.51.100.5', '198.51.100.6']);
    expect(() => publicPoolDecider.decide(allocate('c', T0, '198.51.100.4/30'), state)).toThrow(expect.objectContaining({ code: 'public_pool_exhausted' }));
  });

  it('refuses a pool that is no CIDR', () => {
    pool.given([]).when(allocate('a', T0, '203.0.113.1/24')).thenThrows('invalid_request');
  });
});

describe('public pool: release and quarantine', () => {
  const pool = spec(publicPoolDecider);

  it('releases into quarantine, and ends the lease for good', () => {
    pool.given([allocated('a', '203.0.113.1')]).when(release('a', T0 + 1000)).then([released('a', '203.0.113.1', T0 + 1000, T0 + 601_000)]);
    pool.given([allocated('a', '203.0.113.1'), released('a', '203.0.113.1', T0, T0 + 1)]).when(release('a')).thenNothingHappened();
    pool.given([allocated('a', '203.0.113.1'), released('a', '203.0.113.1', T0, T0 + 1)]).when(allocate('a', T0 + 5)).thenThrows('lease_ended');
  });

  it('ends a lease that holds nothing, so an allocation arriving late for it is refused', () => {
    pool.given([]).when(release('x')).then([released('x', '', T0, T0)]);
    pool.given([released('x', '', T0, T0)]).when(allocate('x')).thenThrows('lease_ended');
  });

  it('keeps a quarantined address out of use until its time, then hands it out lowest first', () => {
    const history = [allocated('a', '203.0.113.1'), allocated('b', '203.0.113.2'), released('a', '203.0.113.1', T0, T0 + 600_000)];
    pool.given(history).when(allocate('c', T0 + 599_999)).then([allocated('c', '203.0.113.3', T0 + 599_999)]);
    pool.given(history).when(allocate('c', T0 + 600_000)).then([allocated('c', '203.0.113.1', T0 + 600_000)]);
  });

  it('counts quarantined addresses as taken when the pool is otherwise full', () => {
    const { state } = run([allocate('a', T0, '198.51.100.4/30'), allocate('b', T0, '198.51.100.4/30')]);
    const c = (cmd: PublicPoolCommand) => ({ ...cmd, pool: '198.51.100.4/30' }) as PublicPoolCommand;
    const after = run([c(release('a', T0))], state).state;
    expect(() => publicPoolDecider.decide(c(allocate('c', T0 + 1000)), after)).toThrow(expect.objectContaining({ code: 'public_pool_exhausted' }));
    expect(ipsOf(publicPoolDecider.decide(c(allocate('c', T0 + 600_000)), after))).toEqual(['198.51.100.5']);
  });
});

describe('public pool: snapshots and ranges', () => {
  const big = (command: PublicPoolCommand) => ({ ...command, pool: '198.18.0.0/16' }) as PublicPoolCommand;

  it('decides after a restore exactly as the folded state', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let state = publicPoolDecider.initialState();
    const live: string[] = [];
    let now = T0;
    for (let i = 0; i < 2000; i++) {
      now += 1000;
      const command = big(live.length > 0 && random() < 0.4 ? release(live.splice(Math.floor(random() * live.length), 1)[0]!, now, 30) : allocate(`l${i}`, now));
      if (command.type === 'AllocatePublicAddress') live.push(command.leaseId);
      state = run([command], state).state;
    }
    let copy = publicPoolStateJson.fromJson(JSON.parse(JSON.stringify(publicPoolStateJson.toJson(state))));
    for (let i = 0; i < 300; i++) {
      const command = big(allocate(`next${i}`, now + i * 700));
      const a = publicPoolDecider.decide(command, state);
      expect(publicPoolDecider.decide(command, copy)).toEqual(a);
      state = a.reduce(publicPoolDecider.evolve, state);
      copy = a.reduce(publicPoolDecider.evolve, copy);
    }
  });

  it('parses pools and names their streams', () => {
    expect(parsePoolRange('203.0.113.0/24')).toEqual({ cidr: '203.0.113.0/24', base: 0xcb007100, size: 256 });
    expect(parsePoolRange('198.18.0.0/16')).toMatchObject({ size: 65536 });
    expect(parsePoolRange('203.0.113.7/24')).toMatch(/host bits/);
    expect(parsePoolRange('203.0.113.0/31')).toMatch(/prefix/);
    expect(parsePoolRange('nope')).toMatch(/not an IPv4 CIDR/);
    expect(PUBLIC_POOL_STREAM).toBe('publicpool-platform');
    expect(legacyPublicPoolStreamId('203.0.113.0/24')).toBe('publicpool-203_0_113_0-24');
  });
});
