// Drives a resource through its steps. Forward: an address from ipam, then
// its names from dns, which make it ready. Back (after a failure or a delete): names
// withdrawn first, then the address returned, then gone. Each step is recorded
// as it completes and is a no-op when already done, so running a drive again
// after an interruption picks up where it stopped and never takes a second address.
// That is also why a drive may stop between steps once the request it runs for
// has passed its deadline (nobody waits for it any more): what is done is
// recorded, and the sweeper, which works under no request's deadline, resumes it.
import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import { DomainError } from '@pn/decider';
import { routes } from '@pn/contracts';
import type { EventStore } from '@pn/event-store';
import {
  domainClaimDecider,
  domainClaimEventCodec,
  domainStreamId,
  isResourceIdOf,
  RESOURCE_KINDS,
  desiredOf,
  resourceDecider,
  type DomainClaimCommand,
  type DomainClaimEvent,
  type DomainClaimState,
  resourceEventCodec,
  resourceStreamId,
  type ResourceCommand,
  type ResourceEvent,
  type ResourceFacts,
  type ResourceState,
} from '@pn/resources-domain';
import { desiredDigest, EVENT_STORE, RemoteError, RpcClient, stopIfDeadlineExceeded } from '@pn/service-kit';
import { DataPlaneStatus } from '../data-plane/data-plane-status.js';
import { ResourceDirectory } from '../directory/resource-directory.js';

/**
 * How long a change (a create, a port, public access, stop, start) waits for
 * a host agent to make it real on the wire, or say it failed. Milliseconds
 * as a rule; past this the call answers and the resource's JSON shows where
 * the data plane is.
 */
const DATA_PLANE_WAIT_MS = 5000;

/** A refusal from ipam or dns (a 4xx), as opposed to one of them being unreachable. */
const isRefusal = (error: unknown): error is RemoteError => error instanceof RemoteError && error.reply.status < 500;

@Injectable()
export class Provisioner {
  readonly resources: CommandHandler<ResourceCommand, ResourceEvent, ResourceState>;
  readonly domainClaims: CommandHandler<DomainClaimCommand, DomainClaimEvent, DomainClaimState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly rpc: RpcClient,
    private readonly directory: ResourceDirectory,
    private readonly dataPlane: DataPlaneStatus,
  ) {
    this.resources = new CommandHandler(store, resourceDecider, resourceEventCodec, { cacheState: true });
    this.domainClaims = new CommandHandler(store, domainClaimDecider, domainClaimEventCodec);
  }

  /** Runs a command on a resource and shows the result in the directory at once. */
  async execute(command: ResourceCommand): Promise<ResourceState> {
    const expectNew = command.type === 'RequestResource'; // its id was made up just now
    const { state, revision } = await this.resources.handle(resourceStreamId(command.resourceId), command, { expectNew });
    this.directory.put(command.resourceId, state, revision);
    return state;
  }

  async load(resourceId: string): Promise<ResourceState> {
    const { state, revision } = await this.resources.load(resourceStreamId(resourceId));
    this.directory.put(resourceId, state, revision);
    return state;
  }

  /**
   * A live resource: from the directory, else from its own stream, which is
   * ahead of the directory when the resource was created a moment ago through
   * another instance (the directory then has it too). Like projects' resolve.
   */
  async find(resourceId: string): Promise<ResourceFacts | undefined> {
    const known = this.directory.get(resourceId);
    if (known) return known;
    // An id this service never makes has no stream: not found without asking the store.
    if (!RESOURCE_KINDS.some((kind) => isResourceIdOf(kind, resourceId))) return undefined;
    const state = await this.load(resourceId);
    return state.status === 'absent' || state.status === 'deleted' ? undefined : state;
  }

  /** Resolves once the host agents have made `state` real on the wire (at once without agents or without anything to make). */
  async onTheWire(resourceId: string, state: ResourceState): Promise<void> {
    const desired = desiredOf(state, 0);
    if (desired) await this.dataPlane.applied(resourceId, desiredDigest(desired), DATA_PLANE_WAIT_MS);
  }

  /** Whatever the resource's state asks for next: provision it, or give back what it holds. */
  async drive(resourceId: string): Promise<ResourceState> {
    const state = await this.load(resourceId);
    if (state.status === 'provisioning') return this.provision(resourceId);
    if (state.status === 'deleting' || state.status === 'failed') return this.release(resourceId);
    return state.status === 'absent' || state.status === 'deleted' ? state : this.syncPublicAddress(resourceId, state);
  }

  /**
   * Brings the public address in line with what the resource wants: leases
   * given up go back to ipam (quarantined there), then a wanted lease without
   * an address gets one. An empty pool undoes what asked for it (the port, or
   * public_access) and is rethrown: the caller hears 409 public_pool_exhausted.
   */
  async syncPublicAddress(resourceId: string, known?: ResourceState): Promise<ResourceState> {
    let state = known ?? (await this.load(resourceId));
    if (state.status === 'absent' || state.status === 'deleted') return state;
    for (const lease of state.endingLeases) {
      stopIfDeadlineExceeded('returning a public address');
      const { ip } = await this.rpc.call(routes.releasePublicAddress, { leaseId: lease.leaseId, resourceId, pool: lease.pool ?? '' });
      state = await this.execute({ type: 'ReturnPublicAddress', resourceId, leaseId: lease.leaseId, publicIp: ip || (lease.ip ?? ''), now: new Date() });
    }
    if (state.status === 'absent' || state.status === 'deleted') return state;
    const lease = state.publicLease;
    if (lease && lease.ip === undefined && state.status !== 'deleting' && state.status !== 'failed') {
      stopIfDeadlineExceeded('allocating a public address');
      try {
        const { ip, pool } = await this.rpc.call(routes.allocatePublicAddress, { leaseId: lease.leaseId, resourceId });
        state = await this.execute({ type: 'AssignPublicAddress', resourceId, leaseId: lease.leaseId, publicIp: ip, pool, now: new Date() });
      } catch (error) {
        if (isRefusal(error) && state.status !== 'provisioning') {
          const undone = await this.execute({ type: 'AbandonPublicAddress', resourceId, leaseId: lease.leaseId, now: new Date() });
          await this.syncPublicAddress(resourceId, undone).catch(() => undefined);
        }
        throw error;
      }
    }
    return state;
  }

  /**
   * Claims a domain for a VM across every account. A claim whose holder does
   * not list the domain (deleted, or a crash came between claim and record) is
   * taken over once it is old enough (see domain-claim.ts).
   */
  async claimDomain(domain: string, resourceId: string, accountId: string): Promise<void> {
    const streamId = domainStreamId(domain);
    const claim = (orphanedBy?: string) =>
      this.domainClaims.handle(streamId, { type: 'ClaimDomain', domain, resourceId, accountId, now: new Date(), ...(orphanedBy ? { orphanedBy } : {}) });
    try {
      await claim();
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'domain_taken') throw error;
      const holder = (await this.domainClaims.load(streamId)).state.holder;
      if (holder === undefined || holder === resourceId) return void (await claim()); // it moved on meanwhile: once more
      const held = await this.load(holder);
      if (held.status !== 'absent' && held.status !== 'deleted' && held.domains.some((d) => d.domain === domain)) throw error;
      await claim(holder);
    }
  }

  /** Lets go of a domain: its claim first (so a retry finds it still listed and tries again), then the record. */
  async removeDomain(resourceId: string, domain: string): Promise<ResourceState> {
    await this.domainClaims.handle(domainStreamId(domain), { type: 'ReleaseDomain', domain, resourceId, now: new Date() });
    return this.execute({ type: 'RemoveDomain', resourceId, domain, now: new Date() });
  }

  /**
   * Provisions, or throws (`known`: the state the caller has just written, which
   * saves reading it back): a refusal (say, no address left) fails the
   * resource, gives back what it took and is rethrown; an unreachable ipam or
   * dns leaves it provisioning, to be resumed, and is rethrown too.
   */
  async provision(resourceId: string, known?: ResourceState): Promise<ResourceState> {
    try {
      return await this.provisionSteps(resourceId, known);
    } catch (error) {
      if (isRefusal(error)) {
        const failed = await this.execute({ type: 'FailProvisioning', resourceId, code: error.reply.code, reason: error.reply.message, now: new Date() });
        // Give back what it took. Should that not finish now (dns down, or the
        // deadline passed), the sweeper finishes it; the caller still hears the
        // refusal, not why the clean-up waits.
        await this.release(resourceId, failed).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Withdraws names, then returns the address; a deleting resource is then
   * gone. dns and ipam are asked even when nothing is recorded: a
   * registration or allocation may still be on its way (a create racing its
   * delete, or a crash before the record). Both are idempotent, and both then
   * refuse anything late for this resource, so nothing is left behind.
   */
  async release(resourceId: string, known?: ResourceState): Promise<ResourceState> {
    const state = known ?? (await this.load(resourceId));
    if (state.status === 'absent' || state.status === 'deleted') return state;
    const { networkId } = state.request;
    stopIfDeadlineExceeded('withdrawing names');
    await this.rpc.call(routes.removeRecords, { networkId, resourceId });
    let withdrawn = await this.execute({ type: 'WithdrawHostnames', resourceId, now: new Date() });
    // Then what faces the internet: its domains, its public address.
    for (const { domain } of withdrawn.status === 'absent' || withdrawn.status === 'deleted' ? [] : withdrawn.domains) withdrawn = await this.removeDomain(resourceId, domain);
    await this.syncPublicAddress(resourceId, withdrawn);
    stopIfDeadlineExceeded('returning the address');
    await this.rpc.call(routes.releaseAddress, { networkId, resourceId });
    const returned = await this.execute({ type: 'ReturnAddress', resourceId, now: new Date() });
    if (returned.status !== 'deleting') return returned;
    return this.execute({ type: 'MarkDeleted', resourceId, now: new Date() });
  }

  private async provisionSteps(resourceId: string, known?: ResourceState): Promise<ResourceState> {
    let state = known ?? (await this.load(resourceId));
    if (state.status !== 'provisioning') return state;
    const { request } = state;
    if (state.privateIp === undefined) {
      stopIfDeadlineExceeded('allocating an address');
      const { ip } = await this.rpc.call(routes.allocateAddress, {
        networkId: request.networkId,
        cidr: request.networkCidr,
        resourceId,
        kind: request.kind,
      });
      state = await this.execute({ type: 'AssignAddress', resourceId, privateIp: ip, now: new Date() });
    }
    if (state.status !== 'provisioning' || state.privateIp === undefined) return state;
    // A public address, when its image opens a port at creation, before the names that make it ready.
    state = await this.syncPublicAddress(resourceId, state);
    if (state.status !== 'provisioning') return state;
    if (state.hostnames.length === 0) {
      // While its names are registered, a host agent attaches it (nothing to wait for without one).
      const attached = this.onTheWire(resourceId, state);
      stopIfDeadlineExceeded('registering names');
      const { hostnames } = await this.rpc.call(routes.registerRecords, {
        networkId: request.networkId,
        resourceId,
        kind: request.kind,
        name: request.name,
        ip: state.privateIp,
        resourceCreatedAt: request.requestedAt,
      });
      state = await this.execute({ type: 'PublishHostnames', resourceId, hostnames, now: new Date() });
      await attached;
    }
    return state;
  }
}
