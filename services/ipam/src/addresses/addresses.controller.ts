// ipam.address.allocate and ipam.address.release. Allocation gives the lowest
// free address of the kind's blocks, at most once per resource; release puts
// an address in quarantine. Several ipam instances may serve one network at
// once: optimistic concurrency on the network's stream makes the loser
// re-decide on the newest allocations, so no address is ever handed out twice.
import { Controller, Inject, Optional } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { routes, type AllocateAddressRequest, type ReleaseAddressRequest } from '@pn/contracts';
import type { EventStore, SnapshotStore } from '@pn/event-store';
import { networkDecider, networkEventCodec, networkStateJson, type NetworkCommand, type NetworkEvent, type NetworkState } from '@pn/ipam-domain';
import { EVENT_STORE, Metrics, PLATFORM_CONFIG, Rpc, SNAPSHOT_STORE, type PlatformConfig } from '@pn/service-kit';
import { registerFreeAddresses } from './free-addresses.metric.js';

@Controller()
export class AddressesController {
  private readonly networks: CommandHandler<NetworkCommand, NetworkEvent, NetworkState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Optional() metrics?: Metrics,
  ) {
    // Network state is cached: re-reading a long allocation stream per request
    // would grow with the network; and snapshotted, so an instance that has
    // not seen a network yet (a restart) folds only what came after the
    // snapshot. Many instances racing on one network need more than the
    // default number of retries.
    this.networks = new CommandHandler(store, networkDecider, networkEventCodec, {
      cacheState: true,
      maxRetries: 200,
      // Bounded by what the cached networks hold, not only by how many: about 1M addresses (~150 MB).
      weigh: (state) => (state as NetworkState).holders.size + (state as NetworkState).retired.size + 100,
      maxCachedWeight: 1_000_000,
      snapshots: { store: snapshots, every: config.snapshotEvery, schema: 'network.v1', ...networkStateJson },
    });
    if (metrics) registerFreeAddresses(metrics, this.networks);
  }

  @Rpc(routes.allocateAddress)
  async allocate(request: AllocateAddressRequest) {
    const { state } = await this.networks.handle(`network-${request.networkId}`, {
      type: 'AllocateAddress',
      networkId: request.networkId,
      cidr: request.cidr,
      resourceId: request.resourceId,
      kind: request.kind,
      now: new Date(),
    });
    return { ip: state.holders.get(request.resourceId)!.ip };
  }

  @Rpc(routes.releaseAddress)
  async release(request: ReleaseAddressRequest) {
    const { newEvents } = await this.networks.handle(`network-${request.networkId}`, {
      type: 'ReleaseAddress',
      networkId: request.networkId,
      resourceId: request.resourceId,
      now: new Date(),
      quarantineSeconds: this.config.ipQuarantineSeconds,
    });
    const released = newEvents.find((e) => e.type === 'AddressReleased');
    return { ip: released?.data.ip ?? '' };
  }
}
