import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { ResourceRequestedSchema } from '@pn/contracts';
import type { ResourceFacts, ResourceStatus } from '@pn/resources-domain';
import { throughCheckpoint } from '@pn/projection';
import { DirectoryState } from './directory.state.js';
import { resourceDirectoryProjection } from './resource-directory.js';

const facts = (status: ResourceStatus, id = 'vm_1'): ResourceFacts => ({
  status,
  request: create(ResourceRequestedSchema, { resourceId: id, kind: 'vm', networkId: 'net_1', name: 'web' }),
  createdAt: new Date(0),
  privateIp: status === 'deleted' ? undefined : '10.0.1.1',
  hostnames: [],
  publicAccess: false,
  failure: undefined,
  ports: [],
  publicLease: undefined,
  endingLeases: [],
  domains: [],
});

/** What the projection does with an event: skip it if reflected, else put the state it leads to. */
const deliver = (d: DirectoryState, id: string, revision: number, status: ResourceStatus) => {
  if (!d.reflects(id, revision)) d.put(id, facts(status, id), revision, false);
};

describe('resource directory state', () => {
  it('drops a deleted resource at once: nothing of it is kept', () => {
    const d = new DirectoryState();
    deliver(d, 'vm_1', 0, 'provisioning');
    deliver(d, 'vm_1', 3, 'running');
    deliver(d, 'vm_1', 7, 'deleted');
    expect(d.size).toEqual({ live: 0, tombstones: 0 });
    expect(d.inNetwork('net_1')).toEqual([]);
  });

  it('given its own write of a deletion ahead of the subscription, skips the older events and forgets the tombstone at the deletion', () => {
    const d = new DirectoryState();
    deliver(d, 'vm_1', 3, 'running');
    d.put('vm_1', facts('deleted'), 7, true); // this instance deleted it
    expect(d.size).toEqual({ live: 0, tombstones: 1 });
    deliver(d, 'vm_1', 5, 'deleting'); // older events still on their way: no ghost entry
    expect(d.state('vm_1')).toBeUndefined();
    deliver(d, 'vm_1', 7, 'deleted');
    expect(d.size).toEqual({ live: 0, tombstones: 0 });
  });

  it('keeps no tombstone when the subscription brought the deletion first', () => {
    const d = new DirectoryState();
    deliver(d, 'vm_1', 3, 'running');
    deliver(d, 'vm_1', 7, 'deleted');
    d.put('vm_1', facts('deleted'), 7, true);
    expect(d.size).toEqual({ live: 0, tombstones: 0 });
  });

  it('stays as large as the live resources after thousands of creates and deletes', () => {
    const d = new DirectoryState();
    for (let i = 0; i < 5000; i++) {
      const id = `vm_${i}`;
      deliver(d, id, 0, 'provisioning');
      d.put(id, facts('running', id), 3, true);
      if (i % 10 !== 0) {
        d.put(id, facts('deleted', id), 7, true);
        deliver(d, id, 3, 'running');
        deliver(d, id, 7, 'deleted');
      }
    }
    expect(d.size).toEqual({ live: 500, tombstones: 0 });
  });

  it('round-trips through a checkpoint', async () => {
    const d = new DirectoryState();
    deliver(d, 'vm_1', 3, 'running');
    deliver(d, 'vm_2', 1, 'provisioning');
    const copy = await throughCheckpoint(resourceDirectoryProjection, d);
    expect(copy.inNetwork('net_1')).toEqual(d.inNetwork('net_1'));
    expect(copy.withWorkLeft()).toEqual(['vm_2']);
  });
});
