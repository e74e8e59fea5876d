import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AddressAllocatedSchema, AddressReleasedSchema } from '@pn/contracts';
import { DomainError, spec } from '@pn/decider';
import { networkDecider, type NetworkCommand } from './network.decide.js';
import type { NetworkEvent } from './network.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const NET = 'net_test';
const CIDR = '10.0.0.0/16';

const allocate = (resourceId: string, kind = 'vm', now = T0, cidr = CIDR): NetworkCommand => ({
  type: 'AllocateAddress',
  networkId: NET,
  cidr,
  resourceId,
  kind,
  now: new Date(now),
});

const allocated = (resourceId: string, ip: string, kind = 'vm', at = T0, cidr = CIDR): NetworkEvent => ({
  type: 'AddressAllocated',
  data: create(AddressAllocatedSchema, { networkId: NET, cidr, resourceId, kind, ip, allocatedAt: timestampFromMs(at) }),
});

const released = (resourceId: string, ip: string, at: number, until: number): NetworkEvent => ({
  type: 'AddressReleased',
  data: create(AddressReleasedSchema, {
    networkId: NET,
    resourceId,
    ip,
    releasedAt: timestampFromMs(at),
    quarantinedUntil: timestampFromMs(until),
  }),
});

/** Applies allocate commands one after another, as the service would. */
function allocateMany(count: number, kind = 'vm'): { events: NetworkEvent[]; state: ReturnType<typeof networkDecider.initialState> } {
  let state = networkDecider.initialState();
  const events: NetworkEvent[] = [];
  for (let i = 0; i < count; i++) {
    for (const e of networkDecider.decide(allocate(`r${i}`, kind), state)) {
      state = networkDecider.evolve(state, e);
      events.push(e);
    }
  }
  return { events, state };
}

describe('network decider: allocation', () => {
  const network = spec(networkDecider);

  it('gives the first VM the lowest address of 10.0.1.0/24', () => {
    network.given([]).when(allocate('vm_a')).then([allocated('vm_a', '10.0.1.1')]);
  });

  it('gives the next VM the next free address', () => {
    network.given([allocated('vm_a', '10.0.1.1')]).when(allocate('vm_b')).then([allocated('vm_b', '10.0.1.2')]);
  });

  it('fills gaps lowest first', () => {
    network
      .given([allocated('vm_a', '10.0.1.1'), allocated('vm_c', '10.0.1.3')])
      .when(allocate('vm_b'))
      .then([allocated('vm_b', '10.0.1.2')]);
  });

  it('draws each kind from its own block', () => {
    network.given([]).when(allocate('db_a', 'database')).then([allocated('db_a', '10.0.2.1', 'database')]);
    network.given([]).when(allocate('cache_a', 'cache')).then([allocated('cache_a', '10.0.3.1', 'cache')]);
    network.given([]).when(allocate('bkt_a', 'bucket')).then([allocated('bkt_a', '10.0.4.1', 'bucket')]);
  });

  it('keeps the block offsets in another 10.X.0.0/16', () => {
    network.given([]).when(allocate('vm_a', 'vm', T0, '10.7.0.0/16')).then([allocated('vm_a', '10.7.1.1', 'vm', T0, '10.7.0.0/16')]);
  });

  it('treats a second request for the same resource as a retry', () => {
    network.given([allocated('vm_a', '10.0.1.1')]).when(allocate('vm_a')).thenNothingHappened();
  });

  it('rejects an unknown kind, a malformed range and a range that is not the network’s', () => {
    network.given([]).when(allocate('x', 'printer')).thenThrows('invalid_kind');
    network.given([]).when(allocate('x', 'vm', T0, '192.168.0.0/16')).thenThrows('invalid_cidr');
    network.given([]).when(allocate('x', 'vm', T0, '10.0.0.0/24')).thenThrows('invalid_cidr');
    network.given([allocated('vm_a', '10.0.1.1')]).when(allocate('x', 'vm', T0, '10.1.0.0/16')).thenThrows('cidr_mismatch');
  });

  it('never hands out .0 or .255 and grows a full block into the next spare /24', () => {
    const { events, state } = allocateMany(255);
    const ips = events.map((e) => e.data.ip);
    expect(ips[0]).toBe('10.0.1.1');
    expect(ips[253]).toBe('10.0.1.254');
    // Blocks 2-4 belong to the other kinds even while empty: the VMs grow into .5.
    expect(ips[254]).toBe('10.0.5.1');
    expect(ips.some((ip) => ip.endsWith('.0') || ip.endsWith('.255'))).toBe(false);
    // The next kind to grow takes the next spare block after that.
    const dbEvents: NetworkEvent[] = [];
    let s = state;
    for (let i = 0; i < 255; i++) {
      for (const e of networkDecider.decide(allocate(`db${i}`, 'database'), s)) {
        s = networkDecider.evolve(s, e);
        dbEvents.push(e);
      }
    }
    expect(dbEvents.at(-1)!.data.ip).toBe('10.0.6.1');
  });

  it('fills the whole /16 with distinct addresses, then says it is exhausted', () => {
    // VMs take every block but the other kinds' home blocks (.2, .3, .4) ...
    const vmCapacity = 252 * 254;
    const { events, state } = allocateMany(vmCapacity);
    expect(events.at(-1)!.data.ip).toBe('10.0.255.254');
    expect(() => networkDecider.decide(allocate('one-too-many'), state)).toThrow(
      expect.objectContaining({ code: 'address_space_exhausted' }),
    );
    // ... which still serve their own kinds, until the whole network is full.
    let s = state;
    for (const kind of ['database', 'cache', 'bucket']) {
      for (let i = 0; i < 254; i++) {
        for (const e of networkDecider.decide(allocate(`${kind}${i}`, kind), s)) {
          s = networkDecider.evolve(s, e);
          events.push(e);
        }
      }
      expect(() => networkDecider.decide(allocate(`${kind}-too-many`, kind), s)).toThrow(DomainError);
    }
    const ips = new Set(events.map((e) => e.data.ip));
    expect(ips.size).toBe(255 * 254);
    expect([...ips].some((ip) => ip.startsWith('10.0.0.') || ip.endsWith('.0') || ip.endsWith('.255'))).toBe(false);
  });
});

describe('network decider: release and quarantine', () => {
  const network = spec(networkDecider);
  const quarantine = 600;

  it('releases a held address into quarantine', () => {
    network
      .given([allocated('vm_a', '10.0.1.1')])
      .when({ type: 'ReleaseAddress', networkId: NET, resourceId: 'vm_a', now: new Date(T0 + 1000), quarantineSeconds: quarantine })
      .then([released('vm_a', '10.0.1.1', T0 + 1000, T0 + 1000 + quarantine * 1000)]);
  });

  it('retires a resource that holds nothing, so a late allocation for it is refused', () => {
    const release = { type: 'ReleaseAddress', networkId: NET, resourceId: 'vm_x', now: new Date(T0), quarantineSeconds: quarantine } as const;
    network.given([]).when(release).then([released('vm_x', '', T0, T0)]);
    network.given([released('vm_x', '', T0, T0)]).when(release).thenNothingHappened();
    network.given([released('vm_x', '', T0, T0)]).when(allocate('vm_x')).thenThrows('resource_retired');
    network.given([allocated('vm_a', '10.0.1.1'), released('vm_a', '10.0.1.1', T0, T0 + 1)]).when(allocate('vm_a', 'vm', T0 + 5)).thenThrows('resource_retired');
  });

  it('does not hand out a quarantined address before its time', () => {
    network
      .given([allocated('vm_a', '10.0.1.1'), allocated('vm_b', '10.0.1.2'), released('vm_a', '10.0.1.1', T0, T0 + 600_000)])
      .when(allocate('vm_c', 'vm', T0 + 599_999))
      .then([allocated('vm_c', '10.0.1.3', 'vm', T0 + 599_999)]);
  });

  it('hands the address out again once its quarantine has ended', () => {
    network
      .given([allocated('vm_a', '10.0.1.1'), allocated('vm_b', '10.0.1.2'), released('vm_a', '10.0.1.1', T0, T0 + 600_000)])
      .when(allocate('vm_c', 'vm', T0 + 600_000))
      .then([allocated('vm_c', '10.0.1.1', 'vm', T0 + 600_000)]);
  });
});
