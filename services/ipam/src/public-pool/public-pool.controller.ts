// ipam.public.allocate and ipam.public.release: the public pool
// (PUBLIC_IP_POOL) as one aggregate stream, with the guarantees of private
// addresses: lowest free first, one address per lease, several ipam
// instances never handing one out twice (optimistic concurrency: the loser of
// an append race re-decides on the newest state), quarantine on release.
import { Controller, Inject } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { routes, type AllocatePublicAddressRequest, type ReleasePublicAddressRequest } from '@pn/contracts';
import type { EventStore, SnapshotStore } from '@pn/event-store';
import {
  publicPoolDecider,
  publicPoolEventCodec,
  publicPoolStateJson,
  publicPoolStreamId,
  type PublicPoolCommand,
  type PublicPoolEvent,
  type PublicPoolState,
} from '@pn/ipam-domain';
import { EVENT_STORE, PLATFORM_CONFIG, Rpc, SNAPSHOT_STORE, type PlatformConfig } from '@pn/service-kit';

@Controller()
export class PublicPoolController {
  private readonly pools: CommandHandler<PublicPoolCommand, PublicPoolEvent, PublicPoolState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    // One stream takes every public allocation of the platform: cached, and
    // snapshotted like network-*, and with room for many retries when
    // hundreds of opens race on it.
    this.pools = new CommandHandler(store, publicPoolDecider, publicPoolEventCodec, {
      cacheState: true,
      maxRetries: 400,
      snapshots: { store: snapshots, every: config.snapshotEvery, schema: 'publicpool.v1', ...publicPoolStateJson },
    });
  }

  @Rpc(routes.allocatePublicAddress)
  async allocate(request: AllocatePublicAddressRequest) {
    const pool = this.config.publicIpPool;
    const { state } = await this.pools.handle(publicPoolStreamId(pool), {
      type: 'AllocatePublicAddress',
      pool,
      leaseId: request.leaseId,
      resourceId: request.resourceId,
      now: new Date(),
    });
    return { ip: state.holders.get(request.leaseId)!.ip, pool };
  }

  @Rpc(routes.releasePublicAddress)
  async release(request: ReleasePublicAddressRequest) {
    // The pool the lease came from, which may not be today's PUBLIC_IP_POOL.
    const pool = request.pool || this.config.publicIpPool;
    const { newEvents } = await this.pools.handle(publicPoolStreamId(pool), {
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
}
