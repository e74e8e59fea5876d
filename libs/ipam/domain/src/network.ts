// A network's address allocations (stream `network-<id>`): events, state, evolve.
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AddressAllocatedSchema, AddressReleasedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { RetiredIds } from '@pn/decider';
import { AddressSpace, type ResourceKind, type SavedAddressSpace } from './address-space.js';
import { ipToInt, privateNetworkBase } from './ipv4.js';

export const networkEventSchemas = { AddressAllocated: AddressAllocatedSchema, AddressReleased: AddressReleasedSchema };
export type NetworkEvent = EventsOf<typeof networkEventSchemas>;
export const networkEventCodec = protoEventCodec(networkEventSchemas);

export interface Allocation {
  readonly ip: string;
  readonly offset: number;
  readonly kind: ResourceKind;
}

export interface NetworkState {
  /** Fixed by the first allocation; every later one must name the same range. */
  cidr: string | undefined;
  base: number;
  readonly space: AddressSpace;
  /** Addresses held right now, by resource id. */
  readonly holders: Map<string, Allocation>;
  /** Resources that gave their address back (or never took one): they get none again. Bounded (see RetiredIds). */
  readonly retired: RetiredIds;
}

export const initialNetworkState = (): NetworkState => ({
  cidr: undefined,
  base: 0,
  space: new AddressSpace(),
  holders: new Map(),
  retired: new RetiredIds(),
});

// Mutates and returns `state`: see AddressSpace for why. Replaying the same
// events always yields the same state, because every time used comes from an event.
export function evolveNetwork(state: NetworkState, event: NetworkEvent): NetworkState {
  switch (event.type) {
    case 'AddressAllocated': {
      const { cidr, ip, kind, resourceId, allocatedAt } = event.data;
      if (state.cidr === undefined) {
        state.cidr = cidr;
        state.base = privateNetworkBase(cidr) ?? 0;
      }
      if (allocatedAt) state.space.releaseExpired(timestampMs(allocatedAt));
      const offset = (ipToInt(ip) ?? 0) - state.base;
      state.space.take(offset, kind as ResourceKind);
      state.holders.set(resourceId, { ip, offset, kind: kind as ResourceKind });
      return state;
    }
    case 'AddressReleased': {
      state.retired.add(event.data.resourceId, event.data.releasedAt ? timestampMs(event.data.releasedAt) : 0);
      const held = state.holders.get(event.data.resourceId);
      if (!held) return state;
      state.holders.delete(event.data.resourceId);
      const until = event.data.quarantinedUntil ? timestampMs(event.data.quarantinedUntil) : 0;
      state.space.quarantine(held.offset, until);
      return state;
    }
  }
}

/** A network's state as plain data and back, for snapshots of long `network-*` streams. */
export const networkStateJson = {
  toJson: (state: NetworkState): unknown => ({
    cidr: state.cidr ?? null,
    base: state.base,
    space: state.space.toJson(),
    holders: [...state.holders].map(([resourceId, a]) => [resourceId, a.ip, a.offset, a.kind]),
    retired: state.retired.toJson(),
  }),
  fromJson: (json: unknown): NetworkState => {
    const saved = json as {
      cidr: string | null;
      base: number;
      space: SavedAddressSpace;
      holders: Array<[string, string, number, ResourceKind]>;
      retired: Parameters<typeof RetiredIds.fromJson>[0];
    };
    return {
      cidr: saved.cidr ?? undefined,
      base: saved.base,
      space: AddressSpace.fromJson(saved.space),
      holders: new Map(saved.holders.map(([resourceId, ip, offset, kind]) => [resourceId, { ip, offset, kind }])),
      retired: RetiredIds.fromJson(saved.retired),
    };
  },
};
