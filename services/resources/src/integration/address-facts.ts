// Which integration facts a resource event gives rise to (pure): an address
// is held by a resource of an account and project from the time it was
// assigned until the time it was returned. The state remembers, for each
// resource still alive, what the facts need (its request, its address), and
// forgets it when the resource is deleted, so it stays as large as the set of
// live resources.
import { create } from '@bufbuild/protobuf';
import {
  AddressHeldSchema,
  AddressHoldEndedSchema,
  AddressScope,
  type AddressHeld,
  type AddressHoldEnded,
} from '@pn/contracts';
import type { ResourceEvent } from '@pn/resources-domain';

export interface LiveResource {
  readonly accountId: string;
  readonly projectId: string;
  readonly networkId: string;
  readonly kind: string;
  readonly name: string;
  readonly privateIp?: string;
  /** Public addresses held now, by lease id (scope PUBLIC). */
  readonly publicIps?: Readonly<Record<string, string>>;
}

export type AddressFactsState = Map<string, LiveResource>;

export type IntegrationFact =
  | { readonly type: 'AddressHeld'; readonly subject: 'address_held'; readonly data: AddressHeld }
  | { readonly type: 'AddressHoldEnded'; readonly subject: 'address_hold_ended'; readonly data: AddressHoldEnded };

/** The facts `event` (with id `eventId`) states, given what is known so far. Changes nothing. */
export function factsOf(state: AddressFactsState, resourceId: string, eventId: string, event: ResourceEvent): IntegrationFact[] {
  const live = state.get(resourceId);
  if (!live) return [];
  const common = {
    sourceEventId: eventId,
    scope: AddressScope.PRIVATE,
    networkId: live.networkId,
    resourceId,
    kind: live.kind,
    accountId: live.accountId,
    projectId: live.projectId,
  };
  if (event.type === 'AddressAssigned' && live.privateIp !== event.data.privateIp) {
    const data = create(AddressHeldSchema, { ...common, ip: event.data.privateIp, resourceName: live.name, heldFrom: event.data.assignedAt });
    return [{ type: 'AddressHeld', subject: 'address_held', data }];
  }
  if (event.type === 'AddressReturned' && live.privateIp !== undefined) {
    const data = create(AddressHoldEndedSchema, { ...common, ip: live.privateIp, heldUntil: event.data.returnedAt });
    return [{ type: 'AddressHoldEnded', subject: 'address_hold_ended', data }];
  }
  if (event.type === 'PublicAddressAssigned' && live.publicIps?.[event.data.leaseId] === undefined) {
    const data = create(AddressHeldSchema, { ...common, scope: AddressScope.PUBLIC, ip: event.data.publicIp, resourceName: live.name, heldFrom: event.data.assignedAt });
    return [{ type: 'AddressHeld', subject: 'address_held', data }];
  }
  const publicIp = event.type === 'PublicAddressReturned' ? live.publicIps?.[event.data.leaseId] : undefined;
  if (event.type === 'PublicAddressReturned' && publicIp !== undefined) {
    const data = create(AddressHoldEndedSchema, { ...common, scope: AddressScope.PUBLIC, ip: publicIp, heldUntil: event.data.returnedAt });
    return [{ type: 'AddressHoldEnded', subject: 'address_hold_ended', data }];
  }
  return [];
}

/** Folds the event into the state (mutating it: an entry is replaced, never changed in place, for checkpoints). */
export function rememberResource(state: AddressFactsState, resourceId: string, event: ResourceEvent): AddressFactsState {
  switch (event.type) {
    case 'ResourceRequested': {
      const r = event.data;
      if (!state.has(resourceId)) {
        state.set(resourceId, { accountId: r.accountId, projectId: r.projectId, networkId: r.networkId, kind: r.kind, name: r.name });
      }
      return state;
    }
    case 'AddressAssigned': {
      const live = state.get(resourceId);
      if (live) state.set(resourceId, { ...live, privateIp: event.data.privateIp });
      return state;
    }
    case 'AddressReturned': {
      const live = state.get(resourceId);
      if (live) {
        const { privateIp: _returned, ...rest } = live;
        state.set(resourceId, rest);
      }
      return state;
    }
    case 'PublicAddressAssigned': {
      const live = state.get(resourceId);
      // A plain object keyed by lease ids (pip_…): checkpoints are JSON.
      if (live) state.set(resourceId, { ...live, publicIps: { ...live.publicIps, [event.data.leaseId]: event.data.publicIp } });
      return state;
    }
    case 'PublicAddressReturned': {
      const live = state.get(resourceId);
      if (live?.publicIps) {
        const { [event.data.leaseId]: _gone, ...rest } = live.publicIps;
        state.set(resourceId, { ...live, publicIps: rest });
      }
      return state;
    }
    case 'ResourceDeleted':
      state.delete(resourceId);
      return state;
    default:
      return state;
  }
}
