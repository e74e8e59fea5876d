// The rules of the public pool: lowest free address first across its ranges,
// one per lease, never twice at once, never a range's network or broadcast
// address, quarantined on release, a clear refusal when the pool is empty;
// ranges join (a wider one absorbing those inside it, never counting an
// address twice) and leave only when none of their addresses is leased or in
// quarantine.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  CarriedLeaseSchema,
  CarriedQuarantineSchema,
  PublicAddressAllocatedSchema,
  PublicAddressReleasedSchema,
  PublicPoolRangeAddedSchema,
  PublicPoolRangeRemovedSchema,
  PublicPoolStreamCarriedSchema,
  RetiredLeaseSchema,
} from '@pn/contracts';
import { assertNever, DomainError, type Decider } from '@pn/decider';
import { intToIp, ipToInt } from './ipv4.js';
import { parsePoolRange, rangeContains, rangeHolds, type PoolRange } from './public-pool-range.js';
import { coveredBy, evolvePublicPool, initialPublicPoolState, publicPoolStateJson, rangeOf, type PublicPoolEvent, type PublicPoolState } from './public-pool.js';

/** What an old per-CIDR stream held when it was read (see CarryPublicPoolStream). */
export interface LegacyPoolContents {
  readonly leases: ReadonlyArray<{ readonly leaseId: string; readonly resourceId: string; readonly ip: string }>;
  readonly quarantined: ReadonlyArray<{ readonly ip: string; readonly until: number }>;
  readonly retired: ReadonlyArray<{ readonly leaseId: string; readonly at: number }>;
}

export type PublicPoolCommand =
  | { readonly type: 'AddPublicPoolRange'; readonly cidr: string; readonly now: Date }
  | { readonly type: 'RemovePublicPoolRange'; readonly cidr: string; readonly now: Date }
  | { readonly type: 'CarryPublicPoolStream'; readonly stream: string; readonly cidr: string; readonly revision: number; readonly contents: LegacyPoolContents; readonly now: Date }
  /** `pool`: the asking instance's PUBLIC_IP_POOL, added as a range if the pool has none holding it. */
  | { readonly type: 'AllocatePublicAddress'; readonly pool: string; readonly leaseId: string; readonly resourceId: string; readonly now: Date }
  | {
      readonly type: 'ReleasePublicAddress';
      readonly pool: string;
      readonly leaseId: string;
      readonly resourceId: string;
      readonly now: Date;
      readonly quarantineSeconds: number;
    };

function parsed(cidr: string, what: string): PoolRange {
  const range = parsePoolRange(cidr);
  if (typeof range === 'string') throw new DomainError('invalid_request', `${what} "${cidr}" is not a usable CIDR: ${range}`, { field: 'pool' });
  return range;
}

function rangeAdded(state: PublicPoolState, range: PoolRange, now: Date): PublicPoolEvent[] {
  if (coveredBy(state, range)) return [];
  const absorbed = state.ranges.filter((r) => rangeContains(range, r.range)).map((r) => r.range.cidr);
  return [{ type: 'PublicPoolRangeAdded', data: create(PublicPoolRangeAddedSchema, { cidr: range.cidr, absorbed, addedAt: timestampFromMs(now.getTime()) }) }];
}

export function decidePublicPool(command: PublicPoolCommand, state: PublicPoolState): PublicPoolEvent[] {
  switch (command.type) {
    case 'AddPublicPoolRange':
      return rangeAdded(state, parsed(command.cidr, 'the range'), command.now);
    case 'RemovePublicPoolRange':
      return removeRange(command, state);
    case 'CarryPublicPoolStream':
      return carry(command, state);
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
            pool: (held && rangeOf(state, held.offset)?.range.cidr) || command.pool,
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

function removeRange(command: Extract<PublicPoolCommand, { type: 'RemovePublicPoolRange' }>, state: PublicPoolState): PublicPoolEvent[] {
  const entry = state.ranges.find((r) => r.range.cidr === command.cidr);
  if (!entry) throw new DomainError('not_found', `the public pool has no range ${command.cidr} (ranges: ${state.ranges.map((r) => r.range.cidr).join(', ') || 'none'})`);
  const leased = [...state.holders.values()].filter((l) => rangeHolds(entry.range, l.offset)).length;
  const now = command.now.getTime();
  const quarantined = entry.space.quarantinedEntries().filter(([, until]) => until > now).length;
  if (leased > 0 || quarantined > 0) {
    throw new DomainError('public_range_in_use', `the range ${command.cidr} has ${leased} leased address(es) and ${quarantined} in quarantine; it can leave the pool once it has none`, { leased, quarantined });
  }
  return [{ type: 'PublicPoolRangeRemoved', data: create(PublicPoolRangeRemovedSchema, { cidr: command.cidr, removedAt: timestampFromMs(now) }) }];
}

function carry(command: Extract<PublicPoolCommand, { type: 'CarryPublicPoolStream' }>, state: PublicPoolState): PublicPoolEvent[] {
  const carriedTo = state.carried.get(command.stream);
  if (carriedTo !== undefined) {
    if (command.revision <= carriedTo) return [];
    // Appended to after it was carried: by an ipam of before the one pool, deciding without it. Whatever it handed out may be here twice.
    throw new DomainError(
      'public_pool_conflict',
      `the old public pool stream ${command.stream} has grown (revision ${command.revision}) since it was carried into the pool at revision ${carriedTo}: an ipam older than the one pool still runs; stop it, then check the leases it handed out`,
    );
  }
  const range = parsed(command.cidr, 'the old pool');
  const heldBy = new Map([...state.holders].map(([id, l]) => [l.offset, id]));
  const mine = new Set<number>();
  for (const { ip, leaseId } of command.contents.leases) {
    const offset = ipToInt(ip) ?? -1;
    const holder = heldBy.get(offset);
    if (holder !== undefined && holder !== leaseId) {
      throw new DomainError('public_pool_conflict', `${ip} is leased both in the old stream ${command.stream} (lease ${leaseId}) and in the pool (lease ${holder}); release one of them, then start ipam again`);
    }
    mine.add(offset);
  }
  const now = command.now.getTime();
  const { leases, quarantined, retired } = command.contents;
  return [
    ...rangeAdded(state, range, command.now),
    {
      type: 'PublicPoolStreamCarried',
      data: create(PublicPoolStreamCarriedSchema, {
        stream: command.stream,
        cidr: command.cidr,
        revision: command.revision,
        leases: leases.map((l) => create(CarriedLeaseSchema, l)),
        // Only quarantine still running counts; an ended one is free anyway.
        quarantined: quarantined.filter((q) => q.until > now && !mine.has(ipToInt(q.ip) ?? -1)).map((q) => create(CarriedQuarantineSchema, { ip: q.ip, quarantinedUntil: timestampFromMs(q.until) })),
        retired: retired.map((r) => create(RetiredLeaseSchema, { leaseId: r.leaseId, retiredAt: timestampFromMs(r.at) })),
        carriedAt: timestampFromMs(now),
      }),
    },
  ];
}

function allocate(command: Extract<PublicPoolCommand, { type: 'AllocatePublicAddress' }>, state: PublicPoolState): PublicPoolEvent[] {
  // Asking again for a lease that holds an address is a retry, not a second address.
  if (state.holders.has(command.leaseId)) return [];
  if (state.retired.isRetired(command.leaseId)) {
    throw new DomainError('lease_ended', `lease ${command.leaseId} has given its public address back and gets no other`);
  }
  const configured = parsed(command.pool, 'PUBLIC_IP_POOL');
  const added = rangeAdded(state, configured, command.now);
  // decide only reads: a range it adds is evolved onto a copy, and quarantine ends by the clock at read time (evolve releases it with the event's time).
  const view = added.length === 0 ? state : added.reduce(evolvePublicPool, copyOf(state));
  const now = command.now.getTime();
  let offset: number | undefined;
  let from: PoolRange | undefined;
  for (const { range, space } of view.ranges) {
    offset = space.lowestFreeAt(now);
    if (offset !== undefined) {
      from = range;
      break;
    }
  }
  if (offset === undefined || !from) {
    const ranges = view.ranges.map((r) => r.range.cidr).join(', ');
    throw new DomainError('public_pool_exhausted', `the public pool (${ranges}) has no free address (some may be in quarantine after release)`);
  }
  return [
    ...added,
    {
      type: 'PublicAddressAllocated',
      data: create(PublicAddressAllocatedSchema, {
        pool: from.cidr,
        leaseId: command.leaseId,
        resourceId: command.resourceId,
        ip: intToIp(offset),
        allocatedAt: timestampFromMs(now),
      }),
    },
  ];
}

/** A state to evolve onto without touching the given one (only when decide adds a range: rare). */
function copyOf(state: PublicPoolState): PublicPoolState {
  return publicPoolStateJson.fromJson(JSON.parse(JSON.stringify(publicPoolStateJson.toJson(state))));
}

export const publicPoolDecider: Decider<PublicPoolCommand, PublicPoolEvent, PublicPoolState> = {
  decide: decidePublicPool,
  evolve: evolvePublicPool,
  initialState: initialPublicPoolState,
};
