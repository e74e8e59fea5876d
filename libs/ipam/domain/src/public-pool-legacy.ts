// What an old per-CIDR public pool stream (`publicpool-<cidr>`, before issue
// 18.1) holds: its live leases, its running quarantine and its ended leases,
// folded with the pool's own evolve (an old stream's first allocation fixes
// its CIDR as a range, as it always did), to be carried into the one pool.
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { LegacyPoolContents } from './public-pool.decide.js';
import { evolvePublicPool, initialPublicPoolState, type PublicPoolEvent } from './public-pool.js';
import { intToIp } from './ipv4.js';

export function legacyPoolContents(events: readonly PublicPoolEvent[]): LegacyPoolContents {
  const state = events.reduce(evolvePublicPool, initialPublicPoolState());
  return {
    leases: [...state.holders].map(([leaseId, l]) => ({ leaseId, resourceId: l.resourceId, ip: l.ip })),
    quarantined: state.ranges.flatMap((r) => r.space.quarantinedEntries().map(([offset, until]) => ({ ip: intToIp(offset), until }))),
    retired: events.flatMap((e) => (e.type === 'PublicAddressReleased' ? [{ leaseId: e.data.leaseId, at: e.data.releasedAt ? timestampMs(e.data.releasedAt) : 0 }] : [])),
  };
}
