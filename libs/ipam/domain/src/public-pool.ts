// The platform's public pool (stream `publicpool-platform`): events, state, evolve.
// One aggregate for every range of the pool, so every allocation is decided
// against every lease and quarantine of every range, and optimistic
// concurrency on the one stream keeps several ipam instances, whatever
// PUBLIC_IP_POOL each was started with, from handing out one address twice.
// (Before issue 18.1 each CIDR was its own stream, so widening the pool
// started one that knew nothing of the other's leases.)
import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  PublicAddressAllocatedSchema,
  PublicAddressReleasedSchema,
  PublicPoolRangeAddedSchema,
  PublicPoolRangeRemovedSchema,
  PublicPoolStreamCarriedSchema,
  protoEventCodec,
  type EventsOf,
} from '@pn/contracts';
import { RetiredIds } from '@pn/decider';
import { ipToInt } from './ipv4.js';
import { firstHost, lastHost, parsePoolRange, rangeContains, rangeHolds, type PoolRange } from './public-pool-range.js';
import { PoolSpace, type SavedPoolSpace } from './public-pool-space.js';

export const publicPoolEventSchemas = {
  PublicPoolRangeAdded: PublicPoolRangeAddedSchema,
  PublicPoolRangeRemoved: PublicPoolRangeRemovedSchema,
  PublicPoolStreamCarried: PublicPoolStreamCarriedSchema,
  PublicAddressAllocated: PublicAddressAllocatedSchema,
  PublicAddressReleased: PublicAddressReleasedSchema,
};
export type PublicPoolEvent = EventsOf<typeof publicPoolEventSchemas>;
export const publicPoolEventCodec = protoEventCodec(publicPoolEventSchemas);

export interface Lease {
  readonly ip: string;
  /** The address as a number. */
  readonly offset: number;
  readonly resourceId: string;
}

export interface RangeSpace {
  readonly range: PoolRange;
  readonly space: PoolSpace;
}

export interface PublicPoolState {
  /** The pool's ranges, apart from one another, lowest first. */
  readonly ranges: RangeSpace[];
  /** Leases holding an address now, by lease id. */
  readonly holders: Map<string, Lease>;
  /** Leases that are over: they get no address again (bounded, see RetiredIds). */
  readonly retired: RetiredIds;
  /** Old per-CIDR streams carried in, and the revision each was read to. */
  readonly carried: Map<string, number>;
}

export const initialPublicPoolState = (): PublicPoolState => ({ ranges: [], holders: new Map(), retired: new RetiredIds(), carried: new Map() });

/** The range of the pool an address is in. */
export const rangeOf = (state: PublicPoolState, address: number) => state.ranges.find((r) => rangeHolds(r.range, address));

/** Whether a CIDR is already within one range of the pool. */
export const coveredBy = (state: PublicPoolState, range: PoolRange) => state.ranges.find((r) => rangeContains(r.range, range));

/**
 * Adds a range (mutating): the ranges inside it are replaced by it, their
 * leases taken and their quarantine kept, in its one space.
 */
function addRange(state: PublicPoolState, range: PoolRange): void {
  if (coveredBy(state, range)) return;
  const absorbed = state.ranges.filter((r) => rangeContains(range, r.range));
  const space = new PoolSpace(firstHost(range), lastHost(range));
  const used = new Map<number, number | undefined>(); // address → quarantined until (undefined: leased)
  for (const { space: old } of absorbed) for (const [offset, until] of old.quarantinedEntries()) used.set(offset, until);
  for (const lease of state.holders.values()) if (rangeHolds(range, lease.offset)) used.set(lease.offset, undefined);
  for (const offset of [...used.keys()].sort((a, b) => a - b)) {
    // The absorbed ranges' network and broadcast addresses are hosts of the wider range: free, like any other.
    if (offset < firstHost(range) || offset > lastHost(range)) continue;
    space.take(offset);
    const until = used.get(offset);
    if (until !== undefined) space.quarantine(offset, until);
  }
  const kept = state.ranges.filter((r) => !absorbed.includes(r));
  kept.push({ range, space });
  kept.sort((a, b) => a.range.base - b.range.base);
  state.ranges.splice(0, state.ranges.length, ...kept);
}

function take(state: PublicPoolState, leaseId: string, resourceId: string, ip: string, pool: string, at: number | undefined): void {
  const offset = ipToInt(ip) ?? -1;
  // An allocation before any range was recorded (a stream of the old kind) fixes its pool as a range, as it always did.
  if (!rangeOf(state, offset)) {
    const range = parsePoolRange(pool);
    if (typeof range !== 'string') addRange(state, range);
  }
  const owner = rangeOf(state, offset);
  if (owner) {
    if (at !== undefined) owner.space.releaseExpired(at);
    owner.space.take(offset);
  }
  state.holders.set(leaseId, { ip, offset, resourceId });
}

export function evolvePublicPool(state: PublicPoolState, event: PublicPoolEvent): PublicPoolState {
  switch (event.type) {
    case 'PublicPoolRangeAdded': {
      const range = parsePoolRange(event.data.cidr);
      if (typeof range !== 'string') addRange(state, range);
      return state;
    }
    case 'PublicPoolRangeRemoved': {
      const at = state.ranges.findIndex((r) => r.range.cidr === event.data.cidr);
      if (at >= 0) state.ranges.splice(at, 1);
      return state;
    }
    case 'PublicPoolStreamCarried': {
      const { stream, cidr, revision, leases, quarantined, retired } = event.data;
      const range = parsePoolRange(cidr);
      if (typeof range !== 'string') addRange(state, range);
      for (const lease of leases) take(state, lease.leaseId, lease.resourceId, lease.ip, cidr, undefined);
      for (const q of quarantined) {
        const offset = ipToInt(q.ip) ?? -1;
        const owner = rangeOf(state, offset);
        if (!owner) continue;
        owner.space.take(offset);
        owner.space.quarantine(offset, q.quarantinedUntil ? timestampMs(q.quarantinedUntil) : 0);
      }
      for (const r of retired) state.retired.add(r.leaseId, r.retiredAt ? timestampMs(r.retiredAt) : 0);
      state.carried.set(stream, revision);
      return state;
    }
    case 'PublicAddressAllocated': {
      const { pool, ip, leaseId, resourceId, allocatedAt } = event.data;
      take(state, leaseId, resourceId, ip, pool, allocatedAt ? timestampMs(allocatedAt) : undefined);
      return state;
    }
    case 'PublicAddressReleased': {
      const { leaseId, releasedAt, quarantinedUntil } = event.data;
      state.retired.add(leaseId, releasedAt ? timestampMs(releasedAt) : 0);
      const held = state.holders.get(leaseId);
      if (!held) return state;
      state.holders.delete(leaseId);
      rangeOf(state, held.offset)?.space.quarantine(held.offset, quarantinedUntil ? timestampMs(quarantinedUntil) : 0);
      return state;
    }
    default:
      return state;
  }
}

/** The pool's state as plain data and back, for snapshots (a busy pool's stream grows long). */
export const publicPoolStateJson = {
  toJson: (state: PublicPoolState): unknown => ({
    ranges: state.ranges.map((r) => [r.range.cidr, r.space.toJson()]),
    holders: [...state.holders].map(([leaseId, l]) => [leaseId, l.ip, l.offset, l.resourceId]),
    retired: state.retired.toJson(),
    carried: [...state.carried],
  }),
  fromJson: (json: unknown): PublicPoolState => {
    const saved = json as {
      ranges: Array<[string, SavedPoolSpace]>;
      holders: Array<[string, string, number, string]>;
      retired: Parameters<typeof RetiredIds.fromJson>[0];
      carried: Array<[string, number]>;
    };
    const state = initialPublicPoolState();
    for (const [cidr, space] of saved.ranges) {
      const range = parsePoolRange(cidr);
      if (typeof range !== 'string') state.ranges.push({ range, space: PoolSpace.fromJson(space, firstHost(range), lastHost(range)) });
    }
    for (const [leaseId, ip, offset, resourceId] of saved.holders) state.holders.set(leaseId, { ip, offset, resourceId });
    for (const [stream, revision] of saved.carried) state.carried.set(stream, revision);
    return { ...state, retired: RetiredIds.fromJson(saved.retired) };
  },
};
