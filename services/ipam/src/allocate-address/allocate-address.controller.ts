// ipam.address.allocate: the lowest free address of the kind's blocks, at most
// once per resource. Several ipam instances may serve one network at once:
// optimistic concurrency on the network's stream makes the loser re-decide on
// the newest allocations, so no address is ever handed out twice.
import { Controller, Inject } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { routes, type AllocateAddressRequest } from '@pn/contracts';
import type { EventStore } from '@pn/event-store';
import { networkDecider, networkEventCodec, type NetworkCommand, type NetworkEvent, type NetworkState } from '@pn/ipam-domain';
import { EVENT_STORE, Rpc } from '@pn/service-kit';

@Controller()
export class AllocateAddressController {
  private readonly networks: CommandHandler<NetworkCommand, NetworkEvent, NetworkState>;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    // Network state is cached: re-reading a long allocation stream per request would grow with the network.
    this.networks = new CommandHandler(store, networkDecider, networkEventCodec, { cacheState: true });
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
}
