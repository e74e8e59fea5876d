// ipam.public.allocate and ipam.public.release: the platform's one public
// pool (stream `publicpool-platform`) with the guarantees of private
// addresses: lowest free first, one address per lease, several ipam
// instances never handing one out twice (optimistic concurrency: the loser of
// an append race re-decides on the newest state), quarantine on release.
// PUBLIC_IP_POOL is a range of that pool, added at boot if missing (a wider
// one absorbs a narrower one with its leases and quarantine), so widening the
// pool or a rolling deploy with two values decides against the same leases.
//
// An existing deployment's old stream `publicpool-<cidr>` (one per CIDR,
// before issue 18.1) is read once at boot, for the CIDR this instance is
// configured with, and its live leases, running quarantine and ended leases
// carried into the pool as one event (PublicPoolStreamCarried, with the
// revision read). Carrying rather than refusing to boot: refusing would leave
// an operator with live public addresses no way forward but releasing them
// all, while carrying keeps every lease where it is and the pool exact. What
// carrying cannot make exact is an ipam of before the one pool still running
// and deciding on the old stream: so the upgrade stops those first (no
// rolling deploy across this change), and a boot that finds an old stream
// grown past the revision it was carried at, or an address leased both there
// and in the pool, refuses to start with `public_pool_conflict` naming the
// stream or the address, rather than hand out what may be held twice. An old
// stream of a CIDR no instance is configured with any more is carried when an
// instance boots with that CIDR once (until then its addresses are not in the
// pool; a wider range containing them would hand them out), so an upgrade
// boots with the old PUBLIC_IP_POOL first and widens after.
import { Controller, Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { routes, type AllocatePublicAddressRequest, type PublicPoolRangeRequest, type ReleasePublicAddressRequest } from '@pn/contracts';
import type { EventStore, SnapshotStore } from '@pn/event-store';
import {
  legacyPoolContents,
  legacyPublicPoolStreamId,
  PUBLIC_POOL_STREAM,
  publicPoolDecider,
  publicPoolEventCodec,
  publicPoolStateJson,
  type PublicPoolCommand,
  type PublicPoolEvent,
  type PublicPoolState,
} from '@pn/ipam-domain';
import { EVENT_STORE, PLATFORM_CONFIG, Rpc, SNAPSHOT_STORE, type PlatformConfig } from '@pn/service-kit';

@Controller()
export class PublicPoolController implements OnApplicationBootstrap {
  private readonly pools: CommandHandler<PublicPoolCommand, PublicPoolEvent, PublicPoolState>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    // One stream takes every public allocation of the platform: cached, and
    // snapshotted like network-*, and with room for many retries when
    // hundreds of opens race on it.
    this.pools = new CommandHandler(store, publicPoolDecider, publicPoolEventCodec, {
      cacheState: true,
      maxRetries: 400,
      snapshots: { store: snapshots, every: config.snapshotEvery, schema: 'publicpool.v2', ...publicPoolStateJson },
    });
  }

  /** Carries this CIDR's old stream into the pool (once), then makes sure the CIDR is one of its ranges. */
  async onApplicationBootstrap(): Promise<void> {
    const pool = this.config.publicIpPool;
    const legacy = legacyPublicPoolStreamId(pool);
    const recorded = await this.store.read(legacy);
    if (recorded.length > 0) {
      const events = recorded.flatMap((r) => publicPoolEventCodec.decode(r) ?? []);
      await this.pools.handle(PUBLIC_POOL_STREAM, {
        type: 'CarryPublicPoolStream',
        stream: legacy,
        cidr: pool,
        revision: recorded.at(-1)!.revision,
        contents: legacyPoolContents(events),
        now: new Date(),
      });
    }
    await this.pools.handle(PUBLIC_POOL_STREAM, { type: 'AddPublicPoolRange', cidr: pool, now: new Date() });
  }

  @Rpc(routes.allocatePublicAddress)
  async allocate(request: AllocatePublicAddressRequest) {
    const pool = this.config.publicIpPool;
    const { state } = await this.pools.handle(PUBLIC_POOL_STREAM, {
      type: 'AllocatePublicAddress',
      pool,
      leaseId: request.leaseId,
      resourceId: request.resourceId,
      now: new Date(),
    });
    const lease = state.holders.get(request.leaseId)!;
    // The range the address is in: what a release names (any range of the pool finds it).
    const range = state.ranges.find((r) => lease.offset >= r.range.base && lease.offset < r.range.base + r.range.size);
    return { ip: lease.ip, pool: range?.range.cidr ?? pool };
  }

  @Rpc(routes.releasePublicAddress)
  async release(request: ReleasePublicAddressRequest) {
    // One pool: the lease is found by its id, whichever range (or old pool) it came from.
    const pool = request.pool || this.config.publicIpPool;
    const { newEvents } = await this.pools.handle(PUBLIC_POOL_STREAM, {
      type: 'ReleasePublicAddress',
      pool,
      leaseId: request.leaseId,
      resourceId: request.resourceId,
      now: new Date(),
      quarantineSeconds: this.config.ipQuarantineSeconds,
    });
    const released = newEvents.find((e) => e.type === 'PublicAddressReleased');
    return { ip: released?.data.ip ?? '' };
  }

  /** An operator adds a range to the pool (PUBLIC_IP_POOL is added at boot anyway). */
  @Rpc(routes.addPublicPoolRange)
  async addRange(request: PublicPoolRangeRequest) {
    const { state } = await this.pools.handle(PUBLIC_POOL_STREAM, { type: 'AddPublicPoolRange', cidr: request.cidr, now: new Date() });
    return { ranges: state.ranges.map((r) => r.range.cidr) };
  }

  /** An operator takes a range out of the pool, refused while any of its addresses is leased or in quarantine. */
  @Rpc(routes.removePublicPoolRange)
  async removeRange(request: PublicPoolRangeRequest) {
    const { state } = await this.pools.handle(PUBLIC_POOL_STREAM, { type: 'RemovePublicPoolRange', cidr: request.cidr, now: new Date() });
    return { ranges: state.ranges.map((r) => r.range.cidr) };
  }
}
