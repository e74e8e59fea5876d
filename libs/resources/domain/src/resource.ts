// One resource's life (stream `resource-<id>`): events, state, evolve.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  HostnamesPublishedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
  protoEventCodec,
  type EventsOf,
  type ResourceRequested,
} from '@pn/contracts';

export const resourceEventSchemas = {
  ResourceRequested: ResourceRequestedSchema,
  AddressAssigned: AddressAssignedSchema,
  HostnamesPublished: HostnamesPublishedSchema,
  ResourceProvisioned: ResourceProvisionedSchema,
};
export type ResourceEvent = EventsOf<typeof resourceEventSchemas>;
export const resourceEventCodec = protoEventCodec(resourceEventSchemas);

export const resourceStreamId = (resourceId: string) => `resource-${resourceId}`;

export type ResourceStatus = 'provisioning' | 'running' | 'available';

export type ResourceState =
  | { readonly status: 'absent' }
  | {
      readonly status: ResourceStatus;
      readonly request: ResourceRequested;
      readonly createdAt: Date;
      readonly privateIp: string | undefined;
      readonly hostnames: readonly string[];
    };

/** VMs run; every other kind is available. */
export const readyStatus = (kind: string): ResourceStatus => (kind === 'vm' ? 'running' : 'available');

export function evolveResource(state: ResourceState, event: ResourceEvent): ResourceState {
  switch (event.type) {
    case 'ResourceRequested':
      return {
        status: 'provisioning',
        request: event.data,
        createdAt: event.data.requestedAt ? timestampDate(event.data.requestedAt) : new Date(0),
        privateIp: undefined,
        hostnames: [],
      };
    case 'AddressAssigned':
      return state.status === 'absent' ? state : { ...state, privateIp: event.data.privateIp };
    case 'HostnamesPublished':
      return state.status === 'absent' ? state : { ...state, hostnames: event.data.hostnames };
    case 'ResourceProvisioned':
      return state.status === 'absent' ? state : { ...state, status: readyStatus(state.request.kind) };
    default:
      return state;
  }
}
