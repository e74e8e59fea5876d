// One resource's life (stream `resource-<id>`): events, state, evolve.
//
//   provisioning ─► running (vm) | available ─► stopped ─► running   (vm only)
//        │                          │
//        └─► failed                 └─► deleting ─► deleted
//
// A failed or deleting resource gives back what it holds (its DNS names,
// then its address) before it is done.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { PublicPort } from './public-ports.js';
import {
  AddressAssignedSchema,
  AddressReturnedSchema,
  DomainAddedSchema,
  DomainRemovedSchema,
  DomainVerifiedSchema,
  HostnamesPublishedSchema,
  PortClosedSchema,
  PortOpenedSchema,
  PublicAddressAssignedSchema,
  PublicAddressGivenUpSchema,
  PublicAddressRequestedSchema,
  PublicAddressReturnedSchema,
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
  PortOpened: PortOpenedSchema,
  PortClosed: PortClosedSchema,
  PublicAddressRequested: PublicAddressRequestedSchema,
  PublicAddressAssigned: PublicAddressAssignedSchema,
  PublicAddressGivenUp: PublicAddressGivenUpSchema,
  PublicAddressReturned: PublicAddressReturnedSchema,
  DomainAdded: DomainAddedSchema,
  DomainVerified: DomainVerifiedSchema,
  DomainRemoved: DomainRemovedSchema,
};
export type ResourceEvent = EventsOf<typeof resourceEventSchemas>;
export const resourceEventCodec = protoEventCodec(resourceEventSchemas);

export const resourceStreamId = (resourceId: string) => `resource-${resourceId}`;

export type ResourceStatus = 'provisioning' | 'running' | 'available' | 'stopped' | 'failed' | 'deleting' | 'deleted';

/** One spell of holding a public address: requested, then filled by ipam, then given up and returned. */
export interface PublicLease {
  readonly leaseId: string;
  readonly ip?: string;
  readonly pool?: string;
}

export interface CustomDomainFacts {
  readonly domain: string;
  readonly token: string;
  readonly status: 'pending' | 'verified';
  readonly addedAt: Date;
  readonly verifiedAt?: Date;
}

export interface ResourceFacts {
  readonly status: ResourceStatus;
  readonly request: ResourceRequested;
  readonly createdAt: Date;
  readonly privateIp: string | undefined;
  readonly hostnames: readonly string[];
  readonly publicAccess: boolean;
  readonly failure: { readonly code: string; readonly reason: string } | undefined;
  /** VMs: ports open to the internet. */
  readonly ports: readonly PublicPort[];
  /** The public address the resource wants now (its `public_ip` once filled). */
  readonly publicLease: PublicLease | undefined;
  /** Leases given up whose address ipam has not confirmed back yet. */
  readonly endingLeases: readonly PublicLease[];
  readonly domains: readonly CustomDomainFacts[];
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
      ports: [],
      publicLease: undefined,
      endingLeases: [],
      domains: [],
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
    case 'PortOpened':
      return { ...state, ports: [...state.ports, { port: event.data.port, protocol: event.data.protocol }].sort((a, b) => a.port - b.port) };
    case 'PortClosed':
      return { ...state, ports: state.ports.filter((p) => p.port !== event.data.port) };
    case 'PublicAddressRequested':
      return { ...state, publicLease: { leaseId: event.data.leaseId } };
    case 'PublicAddressAssigned': {
      const filled = { leaseId: event.data.leaseId, ip: event.data.publicIp, pool: event.data.pool };
      if (state.publicLease?.leaseId === event.data.leaseId) return { ...state, publicLease: filled };
      return { ...state, endingLeases: state.endingLeases.map((l) => (l.leaseId === event.data.leaseId ? filled : l)) };
    }
    case 'PublicAddressGivenUp':
      if (state.publicLease?.leaseId !== event.data.leaseId) return state;
      return { ...state, publicLease: undefined, endingLeases: [...state.endingLeases, state.publicLease] };
    case 'PublicAddressReturned':
      return { ...state, endingLeases: state.endingLeases.filter((l) => l.leaseId !== event.data.leaseId) };
    case 'DomainAdded':
      return {
        ...state,
        domains: [...state.domains, { domain: event.data.domain, token: event.data.token, status: 'pending', addedAt: event.data.addedAt ? timestampDate(event.data.addedAt) : new Date(0) }],
      };
    case 'DomainVerified':
      return {
        ...state,
        domains: state.domains.map((d) =>
          d.domain === event.data.domain ? { ...d, status: 'verified', verifiedAt: event.data.verifiedAt ? timestampDate(event.data.verifiedAt) : new Date(0) } : d,
        ),
      };
    case 'DomainRemoved':
      return { ...state, domains: state.domains.filter((d) => d.domain !== event.data.domain) };
    default:
      return state;
  }
}
