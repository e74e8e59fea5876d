// The rules of a resource's life: commands and decide. Provisioning and
// teardown are sequences of steps (address, then DNS names and ready; or DNS,
// address, gone); each step is a command that is a no-op when already done, so a
// retried step never doubles up and an interrupted sequence can resume.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  AddressReturnedSchema,
  dnsLabelProblem,
  HostnamesPublishedSchema,
  HostnamesWithdrawnSchema,
  PortOpenedSchema,
  PublicAddressRequestedSchema,
  ResourceDeletedSchema,
  ResourceDeletionRequestedSchema,
  ResourceFailedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
  ResourceStartedSchema,
  ResourceStoppedSchema,
  type VmSpecs,
} from '@pn/contracts';
import { assertNever, checkQuota, DomainError, type Decider, type QuotaUse } from '@pn/decider';
import { engineOf, isResourceKind, isVmImage, RESOURCE_KINDS, VM_IMAGES, DEFAULT_VM_IMAGE, type ResourceKind } from './catalog.js';
import { decideExposure, EXPOSURE_COMMANDS, giveUpAddress, type ExposureCommand } from './public-exposure.decide.js';
import { autoExposedPorts } from './public-ports.js';
import { NETWORK_RESOURCE_QUOTA } from './quota.js';
import { evolveResource, type ResourceEvent, type ResourceFacts, type ResourceState } from './resource.js';

export interface ResourceRequest {
  readonly resourceId: string;
  readonly kind: string;
  readonly accountId: string;
  readonly projectId: string;
  readonly project: string;
  readonly networkId: string;
  readonly networkCidr: string;
  readonly name: string;
  readonly region: string;
  readonly vmSpecs?: VmSpecs;
  readonly engine?: string;
  readonly version?: string;
  readonly image?: string;
  /** Set for a read replica: the primary's id (checked by the caller). */
  readonly primaryId?: string;
}

type Step<T extends string, Extra = object> = { readonly type: T; readonly resourceId: string; readonly now: Date } & Extra;

export type ResourceCommand =
  // quota: the resources of its network before this one (NETWORK_RESOURCE_QUOTA).
  // leaseId: the public address lease to ask for should the image open a port at creation (nodejs-24).
  | ({ readonly type: 'RequestResource'; readonly now: Date; readonly quota: QuotaUse; readonly leaseId?: string } & ResourceRequest)
  | Step<'AssignAddress', { readonly privateIp: string }>
  | Step<'PublishHostnames', { readonly hostnames: string[] }>
  | Step<'FailProvisioning', { readonly code: string; readonly reason: string }>
  | Step<'Stop'>
  | Step<'Start'>
  | Step<'RequestDeletion'>
  | Step<'WithdrawHostnames'>
  | Step<'ReturnAddress'>
  | Step<'MarkDeleted'>
  | ExposureCommand;

export function decideResource(command: ResourceCommand, state: ResourceState): ResourceEvent[] {
  if (command.type === 'RequestResource') return request(command, state);
  if (state.status === 'absent' || state.status === 'deleted') {
    throw new DomainError('not_found', `resource ${command.resourceId} not found`);
  }
  if (isExposure(command)) return decideExposure(command, state);
  const at = timestampFromDate(command.now);
  const resourceId = command.resourceId;
  switch (command.type) {
    case 'AssignAddress':
      if (state.privateIp === command.privateIp) return [];
      // An address is for life: a second, different one is a bug upstream.
      if (state.privateIp !== undefined) {
        throw new DomainError('address_already_assigned', `resource ${resourceId} already has ${state.privateIp}`);
      }
      // Recorded even if the resource was deleted (or failed) while ipam was
      // answering: what is recorded is given back; what is not would leak.
      if (state.status !== 'provisioning' && !releasing(state)) throw conflict(state, 'take an address');
      return [{ type: 'AddressAssigned', data: create(AddressAssignedSchema, { resourceId, privateIp: command.privateIp, assignedAt: at }) }];
    case 'PublishHostnames':
      if (sameList(state.hostnames, command.hostnames)) return [];
      if (state.privateIp === undefined) throw new DomainError('not_ready', `resource ${resourceId} needs an address before DNS names`);
      if (releasing(state)) {
        // Published while the resource was being deleted: record it, so the names are withdrawn.
        return [{ type: 'HostnamesPublished', data: create(HostnamesPublishedSchema, { resourceId, hostnames: command.hostnames, publishedAt: at }) }];
      }
      if (state.status !== 'provisioning') throw conflict(state, 'publish DNS names');
      // Its names come last: with them, a resource that has its address is ready.
      return [
        { type: 'HostnamesPublished', data: create(HostnamesPublishedSchema, { resourceId, hostnames: command.hostnames, publishedAt: at }) },
        { type: 'ResourceProvisioned', data: create(ResourceProvisionedSchema, { resourceId, provisionedAt: at }) },
      ];
    case 'FailProvisioning':
      if (state.status !== 'provisioning') return [];
      return [
        { type: 'ResourceFailed', data: create(ResourceFailedSchema, { resourceId, code: command.code, reason: command.reason, failedAt: at }) },
        ...giveUpAddress(state, resourceId, at),
      ];
    case 'Stop':
      requireKind(state, 'vm', 'stop');
      if (state.status === 'stopped') return [];
      if (state.status !== 'running') throw conflict(state, 'stop');
      return [{ type: 'ResourceStopped', data: create(ResourceStoppedSchema, { resourceId, stoppedAt: at }) }];
    case 'Start':
      requireKind(state, 'vm', 'start');
      if (state.status === 'running') return [];
      if (state.status !== 'stopped') throw conflict(state, 'start');
      return [{ type: 'ResourceStarted', data: create(ResourceStartedSchema, { resourceId, startedAt: at }) }];
    case 'RequestDeletion':
      if (state.status === 'deleting') return [];
      return [
        { type: 'ResourceDeletionRequested', data: create(ResourceDeletionRequestedSchema, { resourceId, requestedAt: at }) },
        // Its public address goes back too (after its names and domains, see the provisioner).
        ...giveUpAddress(state, resourceId, at),
      ];
    case 'WithdrawHostnames':
      if (state.hostnames.length === 0) return [];
      if (!releasing(state)) throw conflict(state, 'withdraw its DNS names');
      return [{ type: 'HostnamesWithdrawn', data: create(HostnamesWithdrawnSchema, { resourceId, withdrawnAt: at }) }];
    case 'ReturnAddress':
      if (state.privateIp === undefined) return [];
      if (!releasing(state)) throw conflict(state, 'give its address back');
      // Names go first, so no name ever points at an address someone else may get.
      if (state.hostnames.length > 0) throw new DomainError('not_ready', `resource ${resourceId} still has DNS names`);
      return [{ type: 'AddressReturned', data: create(AddressReturnedSchema, { resourceId, privateIp: state.privateIp, returnedAt: at }) }];
    case 'MarkDeleted':
      if (state.status !== 'deleting') throw conflict(state, 'be deleted');
      if (state.hostnames.length > 0 || state.privateIp !== undefined || state.domains.length > 0 || state.publicLease || state.endingLeases.length > 0) {
        throw new DomainError('not_ready', `resource ${resourceId} still holds its DNS names, domains or an address`);
      }
      return [{ type: 'ResourceDeleted', data: create(ResourceDeletedSchema, { resourceId, deletedAt: at }) }];
    default:
      return assertNever(command);
  }
}

function request(command: Extract<ResourceCommand, { type: 'RequestResource' }>, state: ResourceState): ResourceEvent[] {
  if (state.status !== 'absent') {
    // The same id again is a retried create, but only from the same account for the same kind: an id is no way into another's resource.
    if (state.request.accountId !== command.accountId || state.request.kind !== command.kind) {
      throw new DomainError('resource_id_taken', `resource id ${command.resourceId} is taken`, { field: 'resource_id' });
    }
    return [];
  }
  if (!isResourceKind(command.kind)) {
    throw new DomainError('invalid_kind', `kind must be one of ${RESOURCE_KINDS.join(', ')}`, { field: 'kind' });
  }
  const problem = dnsLabelProblem(command.name);
  if (problem) throw new DomainError('invalid_name', `name ${problem}`, { field: 'name' });
  const specifics = kindSpecifics(command.kind, command);
  // Last: a request that is wrong anyway says so (400) rather than that the network is full.
  checkQuota(NETWORK_RESOURCE_QUOTA, command.quota);
  const { now, type: _type, quota: _quota, leaseId, ...request } = command;
  const at = timestampFromDate(now);
  // An image whose service faces users has its port opened at creation, and so a public address asked for.
  const exposed = command.kind === 'vm' ? autoExposedPorts(specifics.image) : [];
  if (exposed.length > 0 && !leaseId) throw new Error('a VM whose image opens a port at creation needs a lease id');
  const resourceId = command.resourceId;
  return [
    { type: 'ResourceRequested', data: create(ResourceRequestedSchema, { ...request, ...specifics, requestedAt: at }) },
    ...exposed.map((p): ResourceEvent => ({ type: 'PortOpened', data: create(PortOpenedSchema, { resourceId, port: p.port, protocol: p.protocol, openedAt: at }) })),
    ...(exposed.length > 0 ? [{ type: 'PublicAddressRequested', data: create(PublicAddressRequestedSchema, { resourceId, leaseId, requestedAt: at }) } as ResourceEvent] : []),
  ];
}

/** Engine, version, image and role, checked and defaulted for the kind. */
function kindSpecifics(kind: ResourceKind, command: ResourceRequest) {
  const engine = engineOf(kind);
  if (engine) {
    if (command.engine && command.engine !== engine.engine) {
      throw new DomainError('invalid_request', `engine must be ${engine.engine}`, { field: 'engine' });
    }
    const version = command.version || engine.defaultVersion;
    if (!engine.versions.includes(version)) {
      throw new DomainError('invalid_request', `version must be one of ${engine.versions.join(', ')}`, { field: 'version' });
    }
    return { engine: engine.engine, version, image: '', role: kind === 'database' ? (command.primaryId ? 'replica' : 'primary') : '', primaryId: command.primaryId ?? '' };
  }
  if (kind === 'vm') {
    const image = command.image || DEFAULT_VM_IMAGE;
    if (!isVmImage(image)) {
      throw new DomainError('invalid_request', `image must be one of ${Object.keys(VM_IMAGES).join(', ')}`, { field: 'image' });
    }
    return { engine: '', version: '', image, role: '', primaryId: '' };
  }
  return { engine: '', version: '', image: '', role: '', primaryId: '' };
}

const isExposure = (command: ResourceCommand): command is ExposureCommand => EXPOSURE_COMMANDS.has(command.type);

const releasing = (state: ResourceFacts) => state.status === 'deleting' || state.status === 'failed';

function requireKind(state: ResourceFacts, kind: ResourceKind, action: string): void {
  if (state.request.kind !== kind) throw new DomainError('invalid_request', `only a ${kind} can ${action}, not a ${state.request.kind}`);
}

const conflict = (state: ResourceFacts, action: string) =>
  new DomainError('invalid_state', `a ${state.status} ${state.request.kind} cannot ${action}`);

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export const resourceDecider: Decider<ResourceCommand, ResourceEvent, ResourceState> = {
  decide: decideResource,
  evolve: evolveResource,
  initialState: () => ({ status: 'absent' }),
  isTerminal: (state) => state.status === 'deleted',
};
