// Drives a resource from `provisioning` to ready: an address from ipam, then
// its names from dns, then ready. Each step is recorded as it completes and is
// a no-op when already done, so running provision() again after a failure
// picks up where it stopped and never takes a second address.
import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { routes } from '@pn/contracts';
import type { EventStore } from '@pn/event-store';
import {
  resourceDecider,
  resourceEventCodec,
  resourceStreamId,
  type ResourceCommand,
  type ResourceEvent,
  type ResourceState,
} from '@pn/resources-domain';
import { EVENT_STORE, RpcClient } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';

@Injectable()
export class Provisioner {
  readonly resources: CommandHandler<ResourceCommand, ResourceEvent, ResourceState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly rpc: RpcClient,
    private readonly directory: ResourceDirectory,
  ) {
    this.resources = new CommandHandler(store, resourceDecider, resourceEventCodec, { cacheState: true });
  }

  /** Runs a command on a resource and shows the result in the directory at once. */
  async execute(command: ResourceCommand): Promise<ResourceState> {
    const { state, revision } = await this.resources.handle(resourceStreamId(command.resourceId), command);
    this.directory.put(command.resourceId, state, revision);
    return state;
  }

  async provision(resourceId: string): Promise<ResourceState> {
    let state = (await this.resources.load(resourceStreamId(resourceId))).state;
    if (state.status !== 'provisioning') return state;
    const { request } = state;
    if (state.privateIp === undefined) {
      const { ip } = await this.rpc.call(routes.allocateAddress, {
        networkId: request.networkId,
        cidr: request.networkCidr,
        resourceId,
        kind: request.kind,
      });
      state = await this.execute({ type: 'AssignAddress', resourceId, privateIp: ip, now: new Date() });
    }
    if (state.status === 'absent' || state.privateIp === undefined) return state;
    if (state.hostnames.length === 0) {
      const { hostnames } = await this.rpc.call(routes.registerRecords, {
        networkId: request.networkId,
        resourceId,
        kind: request.kind,
        name: request.name,
        ip: state.privateIp,
        resourceCreatedAt: request.requestedAt,
      });
      state = await this.execute({ type: 'PublishHostnames', resourceId, hostnames, now: new Date() });
    }
    return this.execute({ type: 'MarkProvisioned', resourceId, now: new Date() });
  }
}
