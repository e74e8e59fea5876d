// A network's address allocations (stream `network-<id>`): events, state, evolve.
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AddressAllocatedSchema, AddressReleasedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { AddressSpace, type ResourceKind } from './address-space.js';
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
  /** Resources that gave their address back (or never took one): they get none again. */
  readonly retired: Set<string>;
}

export const initialNetworkState = (): NetworkState => ({
  cidr: undefined,
  base: 0,
  space: new AddressSpace(),
  holders: new Map(),
  retired: new Set(),
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
      state.retired.add(event.data.resourceId);
      const held = state.holders.get(event.data.resourceId);
      if (!held) return state;
      state.holders.delete(event.data.resourceId);
      const until = event.data.quarantinedUntil ? timestampMs(event.data.quarantinedUntil) : 0;
      state.space.quarantine(held.offset, until);
      return state;
    }
  }
}
