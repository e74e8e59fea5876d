// The rules of the public pool: lowest free address first, one per lease,
// never twice at once, never the network or broadcast address, quarantined
// on release, and a clear refusal when the pool is empty.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PublicAddressAllocatedSchema, PublicAddressReleasedSchema } from '@pn/contracts';
import { assertNever, DomainError, type Decider } from '@pn/decider';
import { intToIp } from './ipv4.js';
import { firstHost, lastHost, parsePoolRange } from './public-pool-range.js';
import { evolvePublicPool, initialPublicPoolState, type PublicPoolEvent, type PublicPoolState } from './public-pool.js';

export type PublicPoolCommand =
  | { readonly type: 'AllocatePublicAddress'; readonly pool: string; readonly leaseId: string; readonly resourceId: string; readonly now: Date }
  | {
      readonly type: 'ReleasePublicAddress';
      readonly pool: string;
      readonly leaseId: string;
      readonly resourceId: string;
      readonly now: Date;
      readonly quarantineSeconds: number;
    };

export function decidePublicPool(command: PublicPoolCommand, state: PublicPoolState): PublicPoolEvent[] {
  if (state.range !== undefined && state.range.cidr !== command.pool) {
    throw new DomainError('invalid_request', `this stream is the pool ${state.range.cidr}, not ${command.pool}`, { field: 'pool' });
  }
  switch (command.type) {
    case 'AllocatePublicAddress':
      return allocate(command, state);
    case 'ReleasePublicAddress': {
      const held = state.holders.get(command.leaseId);
      if (!held && state.retired.isRetired(command.leaseId)) return [];
      // Recorded even when the lease holds nothing, so an allocation for it
      // that arrives late (racing its release) is refused, never leaked.
      const at = command.now.getTime();
      return [
        {
          type: 'PublicAddressReleased',
          data: create(PublicAddressReleasedSchema, {
            pool: command.pool,
            leaseId: command.leaseId,
            resourceId: held?.resourceId ?? command.resourceId,
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

function allocate(command: Extract<PublicPoolCommand, { type: 'AllocatePublicAddress' }>, state: PublicPoolState): PublicPoolEvent[] {
  // Asking again for a lease that holds an address is a retry, not a second address.
  if (state.holders.has(command.leaseId)) return [];
  if (state.retired.isRetired(command.leaseId)) {
    throw new DomainError('lease_ended', `lease ${command.leaseId} has given its public address back and gets no other`);
  }
  // decide only reads: the range is fixed by evolve on the first allocation,
  // and quarantine ends by the clock at read time (evolve releases it with the event's time).
  const range = state.range ?? parsePoolRange(command.pool);
  if (typeof range === 'string') throw new DomainError('invalid_request', `PUBLIC_IP_POOL "${command.pool}" is not a usable CIDR`, { field: 'pool' });
  const offset = state.space ? state.space.lowestFreeAt(command.now.getTime()) : firstHost <= lastHost(range) ? firstHost : undefined;
  if (offset === undefined) {
    throw new DomainError('public_pool_exhausted', `the public pool ${command.pool} has no free address (some may be in quarantine after release)`);
  }
  return [
    {
      type: 'PublicAddressAllocated',
      data: create(PublicAddressAllocatedSchema, {
        pool: command.pool,
        leaseId: command.leaseId,
        resourceId: command.resourceId,
        ip: intToIp(range.base + offset),
        allocatedAt: timestampFromMs(command.now.getTime()),
      }),
    },
  ];
}

export const publicPoolDecider: Decider<PublicPoolCommand, PublicPoolEvent, PublicPoolState> = {
  decide: decidePublicPool,
  evolve: evolvePublicPool,
  initialState: initialPublicPoolState,
};
