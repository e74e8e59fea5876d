// resources.resource.*: create, get, list, delete and history of every kind,
// plus VM power and public access. Another account's resource is always
// "not found", never "forbidden": existence does not leak.
import { Controller, Inject } from '@nestjs/common';
import { toJsonString } from '@bufbuild/protobuf';
import {
  routes,
  type ChangePowerRequest,
  type CreateResourceRequest,
  type ListResourcesRequest,
  type ResourceHistoryRequest,
  type ResourceRef,
  type SetPublicAccessRequest,
} from '@pn/contracts';
import { DomainError } from '@pn/decider';
import type { EventStore, RecordedEvent } from '@pn/event-store';
import {
  desiredOf,
  ID_PREFIX,
  isResourceIdOf,
  isResourceKind,
  RESOURCE_KINDS,
  resourceEventCodec,
  resourceEventSchemas,
  resourceStreamId,
  type ResourceCommand,
  type ResourceFacts,
} from '@pn/resources-domain';
import { desiredDigest, EVENT_STORE, PLATFORM_CONFIG, RemoteError, Rpc, type PlatformConfig } from '@pn/service-kit';
import { DataPlaneStatus } from '../data-plane/data-plane-status.js';
import { creationKey, ResourceDirectory } from '../directory/resource-directory.js';
import { newId, newResourceId } from '../ids.js';
import { settlePublicAddress } from '../exposure/settle.js';
import { historyCursor, idCursor } from '../paging/cursors.js';
import { DEFAULT_PAGE, jsonBytes, pageAfter, pageSize, REPLY_BUDGET_BYTES, withinBytes } from '../paging/page.js';
import { ProjectsService } from '../projects/projects.service.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { InFlight } from '../quota/in-flight.js';
import { resourceView } from './resource-view.js';

/** A resource list's page when none is asked for. */
const DEFAULT_LIST_PAGE = 20;

/** ipam or dns unreachable or slow: the resource waits for the sweeper, the caller sees where it is. */
const isTransient = (error: unknown) => !(error instanceof DomainError) && !(error instanceof RemoteError && error.reply.status < 500);

@Controller()
export class ResourcesController {
  /** Resources being requested on this instance right now, per network: the quota counts them too. */
  private readonly creating = new InFlight();

  constructor(
    private readonly projects: ProjectsService,
    private readonly provisioner: Provisioner,
    private readonly directory: ResourceDirectory,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly dataPlane: DataPlaneStatus,
  ) {}

  @Rpc(routes.createResource)
  async create(request: CreateResourceRequest) {
    if (!isResourceKind(request.kind)) {
      throw new DomainError('invalid_kind', `kind must be one of ${RESOURCE_KINDS.join(', ')}`, { field: 'kind' });
    }
    const project = await this.projects.resolve(request.accountId, request.project);
    if (request.primaryId) await this.checkPrimary(request.accountId, request.primaryId, project.networkId);
    // The gateway names the resource, so a retried create (same Idempotency-Key) finds the one the first attempt made.
    if (request.resourceId && !isResourceIdOf(request.kind, request.resourceId)) {
      throw new DomainError('invalid_request', `resource_id must be "${ID_PREFIX[request.kind]}_" and a lower-case ULID`, { field: 'resource_id' });
    }
    const resourceId = request.resourceId || newResourceId(request.kind);
    const command: ResourceCommand = {
      type: 'RequestResource',
      resourceId,
      kind: request.kind,
      accountId: request.accountId,
      projectId: project.projectId,
      project: project.name,
      networkId: project.networkId,
      networkCidr: project.cidr,
      name: request.name,
      region: request.region,
      vmSpecs: request.kind === 'vm' ? request.specs : undefined,
      engine: request.engine,
      version: request.version,
      image: request.image,
      primaryId: request.primaryId,
      leaseId: newId('pip'),
      now: new Date(),
      // Counted before this create joins the ones under way. A retry of one
      // that exists is never refused: the decider sees it exists.
      quota: { limit: this.config.quotaResourcesPerNetwork, used: this.resourcesCounted(project.networkId) },
    };
    const requested = await this.creating.hold(project.networkId, resourceId, () => this.provisioner.execute(command));
    try {
      await this.provisioner.provision(resourceId, requested);
    } catch (error) {
      if (!isTransient(error)) throw error;
    }
    // A retried create of a resource deleted since finds it gone from the directory: its stream still shows it.
    const state = this.directory.get(resourceId) ?? (await this.provisioner.load(resourceId));
    if (state.status === 'absent') throw new Error(`resource ${resourceId} vanished`);
    return this.view(state);
  }

  @Rpc(routes.getResource)
  async get(request: ResourceRef) {
    return this.view(await this.owned(request));
  }

  @Rpc(routes.listResources)
  async list(request: ListResourcesRequest) {
    const after = idCursor.decode(request.cursor);
    const project = await this.projects.resolve(request.accountId, request.project);
    const matching = this.directory
      .inNetwork(project.networkId)
      .filter((r) => r.request.accountId === request.accountId && (!request.kind || r.request.kind === request.kind));
    const limit = pageSize(request.limit, DEFAULT_LIST_PAGE);
    const { items, more } = pageAfter(matching, (r) => creationKey(r.request.resourceId), after && creationKey(after), limit);
    return { items: items.map((r) => this.view(r)), nextCursor: more ? idCursor.encode(items.at(-1)!.request.resourceId) : '' };
  }

  @Rpc(routes.deleteResource)
  async delete(request: ResourceRef) {
    const resourceId = (await this.owned(request)).request.resourceId;
    const deleting = await this.provisioner.execute({ type: 'RequestDeletion', resourceId, now: new Date() });
    try {
      await this.provisioner.release(resourceId, deleting);
    } catch {
      // dns or ipam down, or a step racing a create still under way: the
      // resource is `deleting`, and the sweeper finishes the job.
    }
    const state = await this.provisioner.load(resourceId);
    if (state.status === 'absent') throw new Error(`resource ${resourceId} vanished`);
    return this.view(state);
  }

  /**
   * One page of a resource's history, oldest first: read from the store from
   * the cursor's revision, only as many events as the page holds (and one to
   * tell whether more follow), cut earlier should they outgrow the reply's
   * byte budget. A VM stopped and started thousands of times is as cheap to
   * page through as a new one.
   */
  @Rpc(routes.resourceHistory)
  async history(request: ResourceHistoryRequest) {
    const from = historyCursor.decode(request.cursor);
    const resourceId = (await this.owned(request)).request.resourceId;
    const limit = pageSize(request.limit, DEFAULT_PAGE);
    const recorded = await this.store.read(resourceStreamId(resourceId), { ...from, maxCount: limit + 1 });
    const entries = withinBytes(recorded.slice(0, limit).map(historyEntry), jsonBytes, REPLY_BUDGET_BYTES);
    const last = recorded[entries.length - 1];
    const more = entries.length < recorded.length;
    return { events: entries, nextCursor: more && last ? historyCursor.encode({ fromRevision: last.revision + 1, afterPosition: last.position }) : '' };
  }

  @Rpc(routes.changePower)
  async power(request: ChangePowerRequest) {
    const vm = await this.owned({ accountId: request.accountId, kind: 'vm', resourceId: request.resourceId });
    const type = request.action === 'stop' ? 'Stop' : 'Start';
    const state = await this.provisioner.execute({ type, resourceId: vm.request.resourceId, now: new Date() });
    // Stopped means silent on the wire when the answer comes; started, answering again.
    await this.provisioner.onTheWire(vm.request.resourceId, state);
    return this.view(state as ResourceFacts);
  }

  @Rpc(routes.setPublicAccess)
  async publicAccess(request: SetPublicAccessRequest) {
    const resource = await this.owned(request);
    const resourceId = resource.request.resourceId;
    const changed = await this.provisioner.execute({ type: 'SetPublicAccess', resourceId, publicAccess: request.publicAccess, leaseId: newId('pip'), now: new Date() });
    // Address from the pool now (or back into quarantine); a refusal undoes the change and answers 409.
    await settlePublicAddress(this.provisioner, resourceId, changed);
    return this.view((await this.provisioner.load(resourceId)) as ResourceFacts);
  }

  view(state: ResourceFacts) {
    const desired = desiredOf(state, 0);
    return resourceView(state, this.config.publicHostSuffix, this.dataPlane.viewOf(state.request.resourceId, desired && desiredDigest(desired)));
  }

  /**
   * The network's resources its quota counts: those the directory shows
   * (deleted ones are gone from it) and those being requested here. Another
   * instance's create counts once its event has arrived here, milliseconds
   * later: creates racing on two instances in that window can overshoot the
   * quota by as many as raced.
   */
  private resourcesCounted(networkId: string): number {
    return this.directory.countInNetwork(networkId) + this.creating.count(networkId, (id) => this.directory.get(id) !== undefined);
  }

  /** The caller's resource, read through to its stream when the directory has not seen it yet (see Provisioner.find). */
  private async owned(ref: { accountId: string; kind: string; resourceId: string }): Promise<ResourceFacts> {
    const state = await this.provisioner.find(ref.resourceId);
    if (!state || state.request.accountId !== ref.accountId || (ref.kind && state.request.kind !== ref.kind)) {
      throw new DomainError('not_found', `${ref.kind || 'resource'} ${ref.resourceId} not found`);
    }
    return state;
  }

  /** A replica follows a primary database of the same account and network. */
  private async checkPrimary(accountId: string, primaryId: string, networkId: string): Promise<void> {
    const primary = await this.owned({ accountId, kind: 'database', resourceId: primaryId });
    if (primary.request.role === 'replica') {
      throw new DomainError('invalid_request', `database ${primaryId} is itself a replica`, { field: 'primary_id' });
    }
    if (primary.request.networkId !== networkId || primary.status === 'deleting' || primary.status === 'failed') {
      throw new DomainError('invalid_state', `database ${primaryId} cannot take a replica while ${primary.status}`);
    }
  }
}

/** An event as the history shows it: its data as proto JSON (`{}` for a type this version does not know). */
function historyEntry(recorded: RecordedEvent) {
  const event = resourceEventCodec.decode(recorded);
  const dataJson = event ? toJsonString(resourceEventSchemas[event.type], event.data as never) : '{}';
  return { type: recorded.type, at: recorded.recordedAt.toISOString(), revision: recorded.revision, dataJson };
}
