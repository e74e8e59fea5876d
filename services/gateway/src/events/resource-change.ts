// What a live events client is told about a recorded `resource` event: its
// lifecycle meaning (created, running, stopped, a public address, …) in the
// API's JSON words, or nothing for the bookkeeping events an agent does not
// wait for. Pure: the hub supplies the owner, learned from ResourceRequested.
import { fromBinary, type DescMessage } from '@bufbuild/protobuf';
import {
  AddressAssignedSchema,
  HostnamesPublishedSchema,
  PortClosedSchema,
  PortOpenedSchema,
  PublicAccessChangedSchema,
  PublicAddressAssignedSchema,
  PublicAddressReturnedSchema,
  ResourceFailedSchema,
  ResourceRequestedSchema,
} from '@pn/contracts';
import type { RecordedEvent } from '@pn/event-store';

/** Whose a resource is and what it is: from its stream's first event. */
export interface ResourceOwner {
  readonly accountId: string;
  readonly project: string;
  readonly kind: string;
  readonly name: string;
}

export interface ResourceChange {
  /** `resource.<change>`, e.g. `resource.running`. */
  readonly type: string;
  readonly resource_id: string;
  readonly kind: string;
  readonly name: string;
  readonly project: string;
  /** The status the resource has now, when the change is one of status. */
  readonly status?: string;
  readonly at: string;
  readonly [detail: string]: unknown;
}

export const resourceIdOf = (streamId: string) => streamId.slice(streamId.indexOf('-') + 1);

const decode = <S extends DescMessage>(schema: S, event: RecordedEvent) => fromBinary(schema, event.data);

export function ownerOf(event: RecordedEvent): ResourceOwner | undefined {
  if (event.type !== 'ResourceRequested') return undefined;
  const r = decode(ResourceRequestedSchema, event);
  return { accountId: r.accountId, project: r.project || 'default', kind: r.kind, name: r.name };
}

/** The lifecycle change an event stands for, with its details; undefined for events clients are not told of. */
function detailsOf(event: RecordedEvent, owner: ResourceOwner): Record<string, unknown> | undefined {
  const ready = owner.kind === 'vm' ? 'running' : 'available';
  switch (event.type) {
    case 'ResourceRequested':
      return { change: 'created', status: 'provisioning' };
    case 'AddressAssigned':
      return { change: 'private_address', private_ip: decode(AddressAssignedSchema, event).privateIp };
    case 'HostnamesPublished':
      return { change: 'hostnames', hostnames: decode(HostnamesPublishedSchema, event).hostnames };
    case 'ResourceProvisioned':
    case 'ResourceStarted':
      return { change: ready, status: ready };
    case 'ResourceStopped':
      return { change: 'stopped', status: 'stopped' };
    case 'ResourceFailed': {
      const failed = decode(ResourceFailedSchema, event);
      return { change: 'failed', status: 'failed', code: failed.code, reason: failed.reason };
    }
    case 'PublicAddressAssigned':
      return { change: 'public_address', public_ip: decode(PublicAddressAssignedSchema, event).publicIp };
    case 'PublicAddressReturned':
      return { change: 'public_address', public_ip: null, returned_ip: decode(PublicAddressReturnedSchema, event).publicIp || null };
    case 'PublicAccessChanged':
      return { change: 'public_access', public_access: decode(PublicAccessChangedSchema, event).publicAccess };
    case 'PortOpened': {
      const opened = decode(PortOpenedSchema, event);
      return { change: 'port_opened', port: opened.port, protocol: opened.protocol };
    }
    case 'PortClosed':
      return { change: 'port_closed', port: decode(PortClosedSchema, event).port };
    case 'ResourceDeletionRequested':
      return { change: 'deleting', status: 'deleting' };
    case 'ResourceDeleted':
      return { change: 'deleted', status: 'deleted' };
    default:
      return undefined;
  }
}

export function resourceChange(event: RecordedEvent, owner: ResourceOwner): ResourceChange | undefined {
  const details = detailsOf(event, owner);
  if (!details) return undefined;
  const { change, ...rest } = details;
  return {
    type: `resource.${String(change)}`,
    resource_id: resourceIdOf(event.streamId),
    kind: owner.kind,
    name: owner.name,
    project: owner.project,
    ...rest,
    at: event.recordedAt.toISOString(),
  };
}
