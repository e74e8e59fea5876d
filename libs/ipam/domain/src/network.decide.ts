// The rules of address allocation in one network: commands and decide.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AddressAllocatedSchema, AddressReleasedSchema } from '@pn/contracts';
import { assertNever, DomainError, type Decider } from '@pn/decider';
import { RESOURCE_KINDS, type ResourceKind } from './address-space.js';
import { intToIp, privateNetworkBase } from './ipv4.js';
import { evolveNetwork, initialNetworkState, type NetworkEvent, type NetworkState } from './network.js';

export type NetworkCommand =
  | {
      readonly type: 'AllocateAddress';
      readonly networkId: string;
      readonly cidr: string;
      readonly resourceId: string;
      readonly kind: string;
      readonly now: Date;
    }
  | {
      readonly type: 'ReleaseAddress';
      readonly networkId: string;
      readonly resourceId: string;
      readonly now: Date;
      readonly quarantineSeconds: number;
    };

export function decideNetwork(command: NetworkCommand, state: NetworkState): NetworkEvent[] {
  switch (command.type) {
    case 'AllocateAddress':
      return allocate(command, state);
    case 'ReleaseAddress': {
      if (!state.holders.has(command.resourceId) && state.retired.isRetired(command.resourceId)) return [];
      // Recorded even when nothing is held, so an allocation for this resource
      // that arrives late (a race with its delete) is refused, never leaked.
      const held = state.holders.get(command.resourceId);
      const at = command.now.getTime();
      return [
        {
          type: 'AddressReleased',
          data: create(AddressReleasedSchema, {
            networkId: command.networkId,
            resourceId: command.resourceId,
            ip: held?.ip ?? '',
            releasedAt: timestampFromMs(at),
            quarantinedUntil: timestampFromMs(held ? at + command.quarantineSeconds * 1000 : at),
          }),
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

function allocate(command: Extract<NetworkCommand, { type: 'AllocateAddress' }>, state: NetworkState): NetworkEvent[] {
  // Asking again for a resource that holds an address is a retry, not a second address.
  if (state.holders.has(command.resourceId)) return [];
  if (state.retired.isRetired(command.resourceId)) {
    throw new DomainError('resource_retired', `resource ${command.resourceId} has given its address back and gets no other`);
  }
  if (!RESOURCE_KINDS.includes(command.kind as ResourceKind)) {
    throw new DomainError('invalid_kind', `kind must be one of ${RESOURCE_KINDS.join(', ')}`, { field: 'kind' });
  }
  const base = privateNetworkBase(command.cidr);
  if (base === undefined) {
    throw new DomainError('invalid_cidr', `cidr must be 10.X.0.0/16, got "${command.cidr}"`, { field: 'cidr' });
  }
  if (state.cidr !== undefined && state.cidr !== command.cidr) {
    throw new DomainError('cidr_mismatch', `network ${command.networkId} is ${state.cidr}, not ${command.cidr}`, { field: 'cidr' });
  }
  // Quarantine ends by the clock: choose as if every quarantine over by `now`
  // were released, without releasing it here (decide only reads: the state it
  // is given is the cached one). evolve releases them with the event's time.
  const offset = state.space.lowestFreeAt(command.kind as ResourceKind, command.now.getTime());
  if (offset === undefined) {
    throw new DomainError('address_space_exhausted', `network ${command.networkId} (${command.cidr}) has no free address`);
  }
  return [
    {
      type: 'AddressAllocated',
      data: create(AddressAllocatedSchema, {
        networkId: command.networkId,
        cidr: command.cidr,
        resourceId: command.resourceId,
        kind: command.kind,
        ip: intToIp(base + offset),
        allocatedAt: timestampFromMs(command.now.getTime()),
      }),
    },
  ];
}

export const networkDecider: Decider<NetworkCommand, NetworkEvent, NetworkState> = {
  decide: decideNetwork,
  evolve: evolveNetwork,
  initialState: initialNetworkState,
};
