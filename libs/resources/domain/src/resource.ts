// One resource's life (stream `resource-<id>`): events, state, evolve.
//
//   provisioning ─► running (vm) | available ─► stopped ─► running   (vm only)
//        │                          │
//        └─► failed                 └─► deleting ─► deleted
//
// A failed or deleting resource gives back what it holds (its DNS names,
// then its address) before it is done.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  AddressReturnedSchema,
  HostnamesPublishedSchema,
  HostnamesWithdrawnSchema,
  PublicAccessChangedSchema,
  ResourceDeletedSchema,
  ResourceDeletionRequestedSchema,
  ResourceFailedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
  ResourceStartedSchema,
  ResourceStoppedSchema,
  protoEventCodec,
  type EventsOf,
  type ResourceRequested,
} from '@pn/contracts';

export const resourceEventSchemas = {
  ResourceRequested: ResourceRequestedSchema,
  AddressAssigned: AddressAssignedSchema,
  HostnamesPublished: HostnamesPublishedSchema,
  ResourceProvisioned: ResourceProvisionedSchema,
  ResourceFailed: ResourceFailedSchema,
  ResourceStopped: ResourceStoppedSchema,
  ResourceStarted: ResourceStartedSchema,
  PublicAccessChanged: PublicAccessChangedSchema,
  ResourceDeletionRequested: ResourceDeletionRequestedSchema,
  HostnamesWithdrawn: HostnamesWithdrawnSchema,
  AddressReturned: AddressReturnedSchema,
  ResourceDeleted: ResourceDeletedSchema,
};
export type ResourceEvent = EventsOf<typeof resourceEventSchemas>;
export const resourceEventCodec = protoEventCodec(resourceEventSchemas);

export const resourceStreamId = (resourceId: string) => `resource-${resourceId}`;

export type ResourceStatus = 'provisioning' | 'running' | 'available' | 'stopped' | 'failed' | 'deleting' | 'deleted';

export interface ResourceFacts {
  readonly status: ResourceStatus;
  readonly request: ResourceRequested;
  readonly createdAt: Date;
  readonly privateIp: string | undefined;
  readonly hostnames: readonly string[];
  readonly publicAccess: boolean;
  readonly failure: { readonly code: string; readonly reason: string } | undefined;
}

export type ResourceState = { readonly status: 'absent' } | ResourceFacts;

/** VMs run; every other kind is available. */
export const readyStatus = (kind: string): ResourceStatus => (kind === 'vm' ? 'running' : 'available');

export function evolveResource(state: ResourceState, event: ResourceEvent): ResourceState {
  if (event.type === 'ResourceRequested') {
    if (state.status !== 'absent') return state;
    return {
      status: 'provisioning',
      request: event.data,
      createdAt: event.data.requestedAt ? timestampDate(event.data.requestedAt) : new Date(0),
      privateIp: undefined,
      hostnames: [],
      publicAccess: false,
      failure: undefined,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'AddressAssigned':
      return { ...state, privateIp: event.data.privateIp };
    case 'HostnamesPublished':
      return { ...state, hostnames: event.data.hostnames };
    case 'ResourceProvisioned':
      return { ...state, status: readyStatus(state.request.kind) };
    case 'ResourceFailed':
      return { ...state, status: 'failed', failure: { code: event.data.code, reason: event.data.reason } };
    case 'ResourceStopped':
      return { ...state, status: 'stopped' };
    case 'ResourceStarted':
      return { ...state, status: readyStatus(state.request.kind) };
    case 'PublicAccessChanged':
      return { ...state, publicAccess: event.data.publicAccess };
    case 'ResourceDeletionRequested':
      return { ...state, status: 'deleting' };
    case 'HostnamesWithdrawn':
      return { ...state, hostnames: [] };
    case 'AddressReturned':
      return { ...state, privateIp: undefined };
    case 'ResourceDeleted':
      return { ...state, status: 'deleted' };
    default:
      return state;
  }
}
