// The rules of a resource's life: commands and decide. Provisioning is a
// sequence of steps (address, then DNS, then ready); each step is a command
// that is a no-op when already done, so a retried step never doubles up.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AddressAssignedSchema,
  HostnamesPublishedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
  type VmSpecs,
} from '@pn/contracts';
import { assertNever, DomainError, type Decider } from '@pn/decider';
import { dnsLabelProblem } from '@pn/contracts';
import { evolveResource, type ResourceEvent, type ResourceState } from './resource.js';

export type ResourceCommand =
  | {
      readonly type: 'RequestResource';
      readonly resourceId: string;
      readonly kind: 'vm';
      readonly accountId: string;
      readonly projectId: string;
      readonly project: string;
      readonly networkId: string;
      readonly networkCidr: string;
      readonly name: string;
      readonly region: string;
      readonly vmSpecs: VmSpecs;
      readonly now: Date;
    }
  | { readonly type: 'AssignAddress'; readonly resourceId: string; readonly privateIp: string; readonly now: Date }
  | { readonly type: 'PublishHostnames'; readonly resourceId: string; readonly hostnames: string[]; readonly now: Date }
  | { readonly type: 'MarkProvisioned'; readonly resourceId: string; readonly now: Date };

export function decideResource(command: ResourceCommand, state: ResourceState): ResourceEvent[] {
  if (command.type === 'RequestResource') {
    if (state.status !== 'absent') return []; // the same id again: a retried create
    const problem = dnsLabelProblem(command.name);
    if (problem) throw new DomainError('invalid_name', `name ${problem}`, { field: 'name' });
    const { now, type: _type, ...request } = command;
    return [
      {
        type: 'ResourceRequested',
        data: create(ResourceRequestedSchema, { ...request, requestedAt: timestampFromDate(now) }),
      },
    ];
  }
  if (state.status === 'absent') throw new DomainError('not_found', `resource ${command.resourceId} does not exist`);
  const at = timestampFromDate(command.now);
  switch (command.type) {
    case 'AssignAddress':
      if (state.privateIp === command.privateIp) return [];
      // An address is for life: a second, different one is a bug upstream.
      if (state.privateIp !== undefined) {
        throw new DomainError('address_already_assigned', `resource ${command.resourceId} already has ${state.privateIp}`);
      }
      return [{ type: 'AddressAssigned', data: create(AddressAssignedSchema, { resourceId: command.resourceId, privateIp: command.privateIp, assignedAt: at }) }];
    case 'PublishHostnames':
      if (sameList(state.hostnames, command.hostnames)) return [];
      return [{ type: 'HostnamesPublished', data: create(HostnamesPublishedSchema, { resourceId: command.resourceId, hostnames: command.hostnames, publishedAt: at }) }];
    case 'MarkProvisioned':
      if (state.status !== 'provisioning') return [];
      if (state.privateIp === undefined || state.hostnames.length === 0) {
        throw new DomainError('not_ready', `resource ${command.resourceId} needs an address and DNS records first`);
      }
      return [{ type: 'ResourceProvisioned', data: create(ResourceProvisionedSchema, { resourceId: command.resourceId, provisionedAt: at }) }];
    default:
      return assertNever(command);
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export const resourceDecider: Decider<ResourceCommand, ResourceEvent, ResourceState> = {
  decide: decideResource,
  evolve: evolveResource,
  initialState: () => ({ status: 'absent' }),
};
