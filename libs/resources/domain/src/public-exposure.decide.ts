// The rules of public exposure on one resource: VM ports and domains, public
// access of databases and caches, and the public address they need. The
// address is a lease: asked for when the first port opens (or public_access
// turns on), filled by ipam, given up when the last port closes (or
// public_access turns off, or the resource goes), then returned. Each step is
// a no-op once done, like provisioning's, so the sweeper can resume it.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  DomainAddedSchema,
  DomainRemovedSchema,
  DomainVerifiedSchema,
  PortClosedSchema,
  PortOpenedSchema,
  PublicAccessChangedSchema,
  PublicAddressAssignedSchema,
  PublicAddressGivenUpSchema,
  PublicAddressRequestedSchema,
  PublicAddressReturnedSchema,
} from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { MAX_DOMAINS_PER_VM } from './custom-domain.js';
import { checkPublicPort } from './public-ports.js';
import type { ResourceEvent, ResourceFacts } from './resource.js';

type Step<T extends string, Extra = object> = { readonly type: T; readonly resourceId: string; readonly now: Date } & Extra;

export type ExposureCommand =
  | Step<'OpenPort', { readonly port: number; readonly protocol: string; readonly leaseId: string }>
  | Step<'ClosePort', { readonly port: number }>
  | Step<'SetPublicAccess', { readonly publicAccess: boolean; readonly leaseId: string }>
  | Step<'AssignPublicAddress', { readonly leaseId: string; readonly publicIp: string; readonly pool: string }>
  // ipam refused the lease an address (the pool is empty): what asked for it is undone.
  | Step<'AbandonPublicAddress', { readonly leaseId: string }>
  | Step<'ReturnPublicAddress', { readonly leaseId: string; readonly publicIp: string }>
  | Step<'AddDomain', { readonly domain: string; readonly token: string }>
  | Step<'VerifyDomain', { readonly domain: string; readonly found: boolean }>
  | Step<'RemoveDomain', { readonly domain: string }>;

export const EXPOSURE_COMMANDS: ReadonlySet<string> = new Set([
  'OpenPort',
  'ClosePort',
  'SetPublicAccess',
  'AssignPublicAddress',
  'AbandonPublicAddress',
  'ReturnPublicAddress',
  'AddDomain',
  'VerifyDomain',
  'RemoveDomain',
]);

const releasing = (state: ResourceFacts) => state.status === 'deleting' || state.status === 'failed';
const conflict = (state: ResourceFacts, action: string) => new DomainError('invalid_state', `a ${state.status} ${state.request.kind} cannot ${action}`);
const requireVm = (state: ResourceFacts, action: string) => {
  if (state.request.kind !== 'vm') throw new DomainError('invalid_request', `only a vm can ${action}, not a ${state.request.kind}`);
};

/** Asks for a public address when the resource has none wanted yet. */
const wantAddress = (state: ResourceFacts, resourceId: string, leaseId: string, at: ReturnType<typeof timestampFromDate>): ResourceEvent[] =>
  state.publicLease ? [] : [{ type: 'PublicAddressRequested', data: create(PublicAddressRequestedSchema, { resourceId, leaseId, requestedAt: at }) }];

/** Gives the wanted address up (it is then returned to the pool). */
export const giveUpAddress = (state: ResourceFacts, resourceId: string, at: ReturnType<typeof timestampFromDate>): ResourceEvent[] =>
  state.publicLease ? [{ type: 'PublicAddressGivenUp', data: create(PublicAddressGivenUpSchema, { resourceId, leaseId: state.publicLease.leaseId, givenUpAt: at }) }] : [];

export function decideExposure(command: ExposureCommand, state: ResourceFacts): ResourceEvent[] {
  const at = timestampFromDate(command.now);
  const resourceId = command.resourceId;
  switch (command.type) {
    case 'OpenPort': {
      requireVm(state, 'open a port');
      checkPublicPort(command.port, command.protocol);
      if (releasing(state)) throw conflict(state, 'open a port');
      const open = state.ports.find((p) => p.port === command.port);
      if (open?.protocol === command.protocol) return [];
      if (open) throw new DomainError('port_conflict', `port ${command.port} is open as ${open.protocol}; close it first`, { field: 'protocol' });
      return [
        { type: 'PortOpened', data: create(PortOpenedSchema, { resourceId, port: command.port, protocol: command.protocol, openedAt: at }) },
        ...wantAddress(state, resourceId, command.leaseId, at),
      ];
    }
    case 'ClosePort': {
      requireVm(state, 'close a port');
      if (!state.ports.some((p) => p.port === command.port)) throw new DomainError('not_found', `port ${command.port} is not open`, { field: 'port' });
      const last = state.ports.length === 1;
      // A domain's A record points at the address: giving it back would hand the domain's traffic to its next holder.
      if (last && state.domains.length > 0) {
        throw new DomainError('domains_attached', `port ${command.port} is the last open port and the VM has domains; remove them first`, { field: 'port' });
      }
      return [{ type: 'PortClosed', data: create(PortClosedSchema, { resourceId, port: command.port, closedAt: at }) }, ...(last ? giveUpAddress(state, resourceId, at) : [])];
    }
    case 'SetPublicAccess': {
      if (state.request.kind !== 'database' && state.request.kind !== 'cache') {
        throw new DomainError('invalid_request', `public_access applies to databases and caches, not to a ${state.request.kind}`, { field: 'public_access' });
      }
      if (releasing(state)) throw conflict(state, 'change public access');
      if (state.publicAccess === command.publicAccess) return [];
      const changed: ResourceEvent = { type: 'PublicAccessChanged', data: create(PublicAccessChangedSchema, { resourceId, publicAccess: command.publicAccess, changedAt: at }) };
      return [changed, ...(command.publicAccess ? wantAddress(state, resourceId, command.leaseId, at) : giveUpAddress(state, resourceId, at))];
    }
    case 'AssignPublicAddress': {
      const lease = state.publicLease?.leaseId === command.leaseId ? state.publicLease : state.endingLeases.find((l) => l.leaseId === command.leaseId);
      // A lease already returned: ipam has ended it, nothing to record.
      if (!lease || lease.ip === command.publicIp) return [];
      if (lease.ip !== undefined) throw new DomainError('address_already_assigned', `lease ${command.leaseId} already has ${lease.ip}`);
      return [{ type: 'PublicAddressAssigned', data: create(PublicAddressAssignedSchema, { resourceId, leaseId: command.leaseId, publicIp: command.publicIp, pool: command.pool, assignedAt: at }) }];
    }
    case 'AbandonPublicAddress': {
      if (state.publicLease?.leaseId !== command.leaseId || state.publicLease.ip !== undefined) return [];
      const undo: ResourceEvent[] = state.ports.map((p) => ({ type: 'PortClosed', data: create(PortClosedSchema, { resourceId, port: p.port, closedAt: at }) }));
      if (state.publicAccess) undo.push({ type: 'PublicAccessChanged', data: create(PublicAccessChangedSchema, { resourceId, publicAccess: false, changedAt: at }) });
      return [...undo, ...giveUpAddress(state, resourceId, at)];
    }
    case 'ReturnPublicAddress':
      if (!state.endingLeases.some((l) => l.leaseId === command.leaseId)) return [];
      return [{ type: 'PublicAddressReturned', data: create(PublicAddressReturnedSchema, { resourceId, leaseId: command.leaseId, publicIp: command.publicIp, returnedAt: at }) }];
    case 'AddDomain': {
      requireVm(state, 'take a domain');
      if (releasing(state)) throw conflict(state, 'take a domain');
      if (state.domains.some((d) => d.domain === command.domain)) return [];
      if (state.publicLease?.ip === undefined) {
        throw new DomainError('no_public_address', `vm ${resourceId} has no public address: open a port first (POST …/ports)`, { field: 'domain' });
      }
      if (state.domains.length >= MAX_DOMAINS_PER_VM) {
        throw new DomainError('quota_exceeded', `a VM holds at most ${MAX_DOMAINS_PER_VM} domains`, { field: 'domains' });
      }
      return [{ type: 'DomainAdded', data: create(DomainAddedSchema, { resourceId, domain: command.domain, token: command.token, addedAt: at }) }];
    }
    case 'VerifyDomain': {
      const domain = state.domains.find((d) => d.domain === command.domain);
      if (!domain) throw new DomainError('not_found', `domain ${command.domain} is not on this VM`, { field: 'domain' });
      if (domain.status === 'verified' || !command.found) return [];
      return [{ type: 'DomainVerified', data: create(DomainVerifiedSchema, { resourceId, domain: command.domain, verifiedAt: at }) }];
    }
    case 'RemoveDomain':
      if (!state.domains.some((d) => d.domain === command.domain)) return [];
      return [{ type: 'DomainRemoved', data: create(DomainRemovedSchema, { resourceId, domain: command.domain, removedAt: at }) }];
  }
}
