// The public pool's leases (stream `publicpool-<pool>`): events, state, evolve.
// One aggregate for the whole pool, so every allocation is decided against
// every other one, and optimistic concurrency on the stream keeps several
// ipam instances from handing out one address twice (as with network-*).
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { PublicAddressAllocatedSchema, PublicAddressReleasedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { RetiredIds } from '@pn/decider';
import { ipToInt } from './ipv4.js';
import { firstHost, lastHost, parsePoolRange, type PoolRange } from './public-pool-range.js';
import { PoolSpace, type SavedPoolSpace } from './public-pool-space.js';

export const publicPoolEventSchemas = { PublicAddressAllocated: PublicAddressAllocatedSchema, PublicAddressReleased: PublicAddressReleasedSchema };
export type PublicPoolEvent = EventsOf<typeof publicPoolEventSchemas>;
export const publicPoolEventCodec = protoEventCodec(publicPoolEventSchemas);

export interface Lease {
  readonly ip: string;
  readonly offset: number;
  readonly resourceId: string;
}

export interface PublicPoolState {
  /** Fixed by the first event: the stream is the pool's. */
  range: PoolRange | undefined;
  space: PoolSpace | undefined;
  /** Leases holding an address now, by lease id. */
  readonly holders: Map<string, Lease>;
  /** Leases that are over: they get no address again (bounded, see RetiredIds). */
  readonly retired: RetiredIds;
}

export const initialPublicPoolState = (): PublicPoolState => ({ range: undefined, space: undefined, holders: new Map(), retired: new RetiredIds() });

/** Fixes the pool's range on first use (mutating). */
export function poolSpaceOf(state: PublicPoolState, cidr: string): PoolSpace | undefined {
  if (state.range === undefined) {
    const range = parsePoolRange(cidr);
    if (typeof range === 'string') return undefined;
    state.range = range;
    state.space = new PoolSpace(firstHost, lastHost(range));
  }
  return state.space;
}

export function evolvePublicPool(state: PublicPoolState, event: PublicPoolEvent): PublicPoolState {
  switch (event.type) {
    case 'PublicAddressAllocated': {
      const { pool, ip, leaseId, resourceId, allocatedAt } = event.data;
      const space = poolSpaceOf(state, pool);
      if (!space || !state.range) return state;
      if (allocatedAt) space.releaseExpired(timestampMs(allocatedAt));
      const offset = (ipToInt(ip) ?? 0) - state.range.base;
      space.take(offset);
      state.holders.set(leaseId, { ip, offset, resourceId });
      return state;
    }
    case 'PublicAddressReleased': {
      const { leaseId, releasedAt, quarantinedUntil } = event.data;
      state.retired.add(leaseId, releasedAt ? timestampMs(releasedAt) : 0);
      const held = state.holders.get(leaseId);
      if (!held) return state;
      state.holders.delete(leaseId);
      state.space?.quarantine(held.offset, quarantinedUntil ? timestampMs(quarantinedUntil) : 0);
      return state;
    }
  }
}

/** The pool's state as plain data and back, for snapshots (a busy pool's stream grows long). */
export const publicPoolStateJson = {
  toJson: (state: PublicPoolState): unknown => ({
    pool: state.range?.cidr ?? null,
    space: state.space?.toJson() ?? null,
    holders: [...state.holders].map(([leaseId, l]) => [leaseId, l.ip, l.offset, l.resourceId]),
    retired: state.retired.toJson(),
  }),
  fromJson: (json: unknown): PublicPoolState => {
    const saved = json as {
      pool: string | null;
      space: SavedPoolSpace | null;
      holders: Array<[string, string, number, string]>;
      retired: Parameters<typeof RetiredIds.fromJson>[0];
    };
    const state = initialPublicPoolState();
    const range = saved.pool === null ? undefined : parsePoolRange(saved.pool);
    if (range !== undefined && typeof range !== 'string' && saved.space) {
      state.range = range;
      state.space = PoolSpace.fromJson(saved.space, firstHost, lastHost(range));
    }
    for (const [leaseId, ip, offset, resourceId] of saved.holders) state.holders.set(leaseId, { ip, offset, resourceId });
    return { ...state, retired: RetiredIds.fromJson(saved.retired) };
  },
};
