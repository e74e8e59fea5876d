// A realistic history for bench/boot, written straight into an event store:
// accounts, projects, and resources that are created (requested, address,
// names, ready) and mostly deleted again (names withdrawn, address returned,
// gone), with the matching network and zone streams. The live set stays at
// LIVE resources whatever the size, so memory after boot can be compared
// across sizes: it must not grow with the deleted ones.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AccountCreatedSchema,
  AddressAllocatedSchema,
  AddressAssignedSchema,
  AddressReleasedSchema,
  AddressReturnedSchema,
  HostnamesPublishedSchema,
  HostnamesWithdrawnSchema,
  hostnamesFor,
  ProjectCreatedSchema,
  RecordsRegisteredSchema,
  RecordsRemovedSchema,
  ResourceDeletedSchema,
  ResourceDeletionRequestedSchema,
  ResourceProvisionedSchema,
  ResourceRequestedSchema,
} from '@pn/contracts';
import type { EventData, EventStore } from '@pn/event-store';
import { accountEventCodec } from '@pn/accounts-domain';
import { networkEventCodec } from '@pn/ipam-domain';
import { zoneEventCodec } from '@pn/dns-domain';
import { projectEventCodec, resourceEventCodec } from '@pn/resources-domain';
import { ulid } from 'ulid';

/** Resources still alive at the end, whatever the size (BOOT_LIVE; 100,000 for the DNS rebuild figure). */
export const LIVE = Number(process.env.BOOT_LIVE ?? 5_000);
const PER_NETWORK = 200; // resources created per network over its life
const EVENTS_PER_DELETED = 12; // 6 to create (4 resource, 1 network, 1 zone), 6 to delete

interface Append {
  streamId: string;
  events: EventData[];
}

/** How many resources make `total` events, of which LIVE stay. */
export function resourcesFor(total: number): { created: number; deleted: number } {
  const deleted = Math.max(0, Math.floor((total - LIVE * 6) / EVENTS_PER_DELETED));
  return { created: deleted + Math.min(LIVE, Math.floor(total / 6)), deleted };
}

/** Writes about `total` events; `pipeline` appends in flight at once. Returns the number written. */
export async function writeHistory(store: EventStore, total: number, pipeline = 256): Promise<number> {
  const { created, deleted } = resourcesFor(total);
  let written = 0;
  const inFlight = new Set<Promise<void>>();
  const queue = async (append: Append) => {
    const p = store.append(append.streamId, append.events, 'any').then(() => {
      written += append.events.length;
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= pipeline) await Promise.race(inFlight);
  };
  // Network streams are appended one allocation at a time, in order: wait for
  // each network's previous append (as ipam would) by chaining per network.
  const networks = Math.ceil(created / PER_NETWORK);
  const t0 = Date.UTC(2026, 0, 1);
  for (let n = 0; n < networks; n++) {
    const accountId = `acc_${ulid().toLowerCase()}`;
    const projectId = `prj_${ulid().toLowerCase()}`;
    const networkId = `net_${ulid().toLowerCase()}`;
    await queue({
      streamId: `account-${accountId}`,
      events: [accountEventCodec.encode({ type: 'AccountCreated', data: create(AccountCreatedSchema, { accountId, name: `a${n}`, keyHash: ulid(), createdAt: timestampFromMs(t0) }) })],
    });
    await queue({
      streamId: `project-${accountId}_default`,
      events: [projectEventCodec.encode({ type: 'ProjectCreated', data: create(ProjectCreatedSchema, { projectId, accountId, name: 'default', networkId, cidr: '10.0.0.0/16', createdAt: timestampFromMs(t0) }) })],
    });
    const network: EventData[][] = [];
    const zone: EventData[][] = [];
    for (let i = 0; i < PER_NETWORK && n * PER_NETWORK + i < created; i++) {
      const index = n * PER_NETWORK + i;
      const gone = index < deleted;
      const at = t0 + index * 1000;
      const resourceId = `vm_${ulid(at).toLowerCase()}`;
      const ip = `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
      const name = `vm-${i}`;
      const hostnames = hostnamesFor('vm', name, resourceId);
      const life = [
        resourceEventCodec.encode({ type: 'ResourceRequested', data: create(ResourceRequestedSchema, { resourceId, kind: 'vm', accountId, projectId, networkId, name, region: 'us-east-1', project: 'default', networkCidr: '10.0.0.0/16', image: 'ubuntu-24', requestedAt: timestampFromMs(at) }) }),
        resourceEventCodec.encode({ type: 'AddressAssigned', data: create(AddressAssignedSchema, { resourceId, privateIp: ip, assignedAt: timestampFromMs(at) }) }),
        resourceEventCodec.encode({ type: 'HostnamesPublished', data: create(HostnamesPublishedSchema, { resourceId, hostnames, publishedAt: timestampFromMs(at) }) }),
        resourceEventCodec.encode({ type: 'ResourceProvisioned', data: create(ResourceProvisionedSchema, { resourceId }) }),
      ];
      if (gone) {
        life.push(
          resourceEventCodec.encode({ type: 'ResourceDeletionRequested', data: create(ResourceDeletionRequestedSchema, { resourceId }) }),
          resourceEventCodec.encode({ type: 'HostnamesWithdrawn', data: create(HostnamesWithdrawnSchema, { resourceId }) }),
          resourceEventCodec.encode({ type: 'AddressReturned', data: create(AddressReturnedSchema, { resourceId, privateIp: ip, returnedAt: timestampFromMs(at + 500) }) }),
          resourceEventCodec.encode({ type: 'ResourceDeleted', data: create(ResourceDeletedSchema, { resourceId, deletedAt: timestampFromMs(at + 500) }) }),
        );
      }
      await queue({ streamId: `resource-${resourceId}`, events: life });
      network.push([networkEventCodec.encode({ type: 'AddressAllocated', data: create(AddressAllocatedSchema, { networkId, cidr: '10.0.0.0/16', resourceId, kind: 'vm', ip, allocatedAt: timestampFromMs(at) }) })]);
      zone.push([zoneEventCodec.encode({ type: 'RecordsRegistered', data: create(RecordsRegisteredSchema, { networkId, resourceId, kind: 'vm', name, ip, resourceCreatedAt: timestampFromMs(at), registeredAt: timestampFromMs(at) }) })]);
      if (gone) {
        zone.push([zoneEventCodec.encode({ type: 'RecordsRemoved', data: create(RecordsRemovedSchema, { networkId, resourceId, removedAt: timestampFromMs(at + 500) }) })]);
        network.push([networkEventCodec.encode({ type: 'AddressReleased', data: create(AddressReleasedSchema, { networkId, resourceId, ip, releasedAt: timestampFromMs(at + 500), quarantinedUntil: timestampFromMs(at + 500) }) })]);
      }
    }
    // One append per allocation or record change, as the services write them; each stream's in order.
    const sequential = async (streamId: string, appends: EventData[][]) => {
      for (const events of appends) {
        await store.append(streamId, events, 'any');
        written += events.length;
      }
    };
    const p = Promise.all([sequential(`network-${networkId}`, network), sequential(`zone-${networkId}`, zone)]).then(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= pipeline) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return written;
}
