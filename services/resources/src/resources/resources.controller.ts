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
  type ResourceRef,
  type SetPublicAccessRequest,
} from '@pn/contracts';
import { DomainError } from '@pn/decider';
import type { EventStore } from '@pn/event-store';
import {
  ID_PREFIX,
  isResourceIdOf,
  isResourceKind,
  RESOURCE_KINDS,
  resourceEventCodec,
  resourceEventSchemas,
  resourceStreamId,
  type ResourceFacts,
} from '@pn/resources-domain';
import { EVENT_STORE, RemoteError, Rpc } from '@pn/service-kit';
import { creationKey, ResourceDirectory } from '../directory/resource-directory.js';
import { newResourceId } from '../ids.js';
import { ProjectsService } from '../projects/projects.service.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { resourceView } from './resource-view.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** ipam or dns unreachable or slow: the resource waits for the sweeper, the caller sees where it is. */
const isTransient = (error: unknown) => !(error instanceof DomainError) && !(error instanceof RemoteError && error.reply.status < 500);

@Controller()
export class ResourcesController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly provisioner: Provisioner,
    private readonly directory: ResourceDirectory,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Rpc(routes.createResource)
  async create(request: CreateResourceRequest) {
    if (!isResourceKind(request.kind)) {
      throw new DomainError('invalid_kind', `kind must be one of ${RESOURCE_KINDS.join(', ')}`, { field: 'kind' });
    }
    const project = await this.projects.resolve(request.accountId, request.project);
    if (request.primaryId) this.checkPrimary(request.accountId, request.primaryId, project.networkId);
    // The gateway names the resource, so a retried create (same Idempotency-Key) finds the one the first attempt made.
    if (request.resourceId && !isResourceIdOf(request.kind, request.resourceId)) {
      throw new DomainError('invalid_request', `resource_id must be "${ID_PREFIX[request.kind]}_" and a lower-case ULID`, { field: 'resource_id' });
    }
    const resourceId = request.resourceId || newResourceId(request.kind);
    const requested = await this.provisioner.execute({
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
      now: new Date(),
    });
    try {
      await this.provisioner.provision(resourceId, requested);
    } catch (error) {
      if (!isTransient(error)) throw error;
    }
    return resourceView(this.directory.get(resourceId)!);
  }

  @Rpc(routes.getResource)
  get(request: ResourceRef) {
    return resourceView(this.owned(request));
  }

  @Rpc(routes.listResources)
  async list(request: ListResourcesRequest) {
    const project = await this.projects.resolve(request.accountId, request.project);
    const limit = Math.min(request.limit || DEFAULT_PAGE, MAX_PAGE);
    const after = decodeCursor(request.cursor);
    const matching = this.directory
      .inNetwork(project.networkId)
      .filter((r) => r.request.accountId === request.accountId && (!request.kind || r.request.kind === request.kind))
      .filter((r) => creationKey(r.request.resourceId) > after);
    const page = matching.slice(0, limit);
    const more = matching.length > limit;
    return { items: page.map(resourceView), nextCursor: more ? encodeCursor(page.at(-1)!.request.resourceId) : '' };
  }

  @Rpc(routes.deleteResource)
  async delete(request: ResourceRef) {
    const resourceId = this.owned(request).request.resourceId;
    const deleting = await this.provisioner.execute({ type: 'RequestDeletion', resourceId, now: new Date() });
    try {
      await this.provisioner.release(resourceId, deleting);
    } catch {
      // dns or ipam down, or a step racing a create still under way: the
      // resource is `deleting`, and the sweeper finishes the job.
    }
    const state = await this.provisioner.load(resourceId);
    if (state.status === 'absent') throw new Error(`resource ${resourceId} vanished`);
    return resourceView(state);
  }

  @Rpc(routes.resourceHistory)
  async history(request: ResourceRef) {
    const resourceId = this.owned(request).request.resourceId;
    const recorded = await this.store.read(resourceStreamId(resourceId));
    return {
      events: recorded.map((r) => {
        const event = resourceEventCodec.decode(r);
        const dataJson = event ? toJsonString(resourceEventSchemas[event.type], event.data as never) : '{}';
        return { type: r.type, at: r.recordedAt.toISOString(), revision: r.revision, dataJson };
      }),
    };
  }

  @Rpc(routes.changePower)
  async power(request: ChangePowerRequest) {
    const vm = this.owned({ accountId: request.accountId, kind: 'vm', resourceId: request.resourceId });
    const type = request.action === 'stop' ? 'Stop' : 'Start';
    const state = await this.provisioner.execute({ type, resourceId: vm.request.resourceId, now: new Date() });
    return resourceView(state as ResourceFacts);
  }

  @Rpc(routes.setPublicAccess)
  async publicAccess(request: SetPublicAccessRequest) {
    const resource = this.owned(request);
    const state = await this.provisioner.execute({
      type: 'SetPublicAccess',
      resourceId: resource.request.resourceId,
      publicAccess: request.publicAccess,
      now: new Date(),
    });
    return resourceView(state as ResourceFacts);
  }

  private owned(ref: { accountId: string; kind: string; resourceId: string }): ResourceFacts {
    const state = this.directory.get(ref.resourceId);
    if (!state || state.request.accountId !== ref.accountId || (ref.kind && state.request.kind !== ref.kind)) {
      throw new DomainError('not_found', `${ref.kind || 'resource'} ${ref.resourceId} not found`);
    }
    return state;
  }

  /** A replica follows a primary database of the same account and network. */
  private checkPrimary(accountId: string, primaryId: string, networkId: string): void {
    const primary = this.owned({ accountId, kind: 'database', resourceId: primaryId });
    if (primary.request.role === 'replica') {
      throw new DomainError('invalid_request', `database ${primaryId} is itself a replica`, { field: 'primary_id' });
    }
    if (primary.request.networkId !== networkId || primary.status === 'deleting' || primary.status === 'failed') {
      throw new DomainError('invalid_state', `database ${primaryId} cannot take a replica while ${primary.status}`);
    }
  }
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  if (!cursor) return '';
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{26}$/.test(id)) throw new DomainError('invalid_request', 'cursor is not one this API returned', { field: 'cursor' });
  return creationKey(id);
}
