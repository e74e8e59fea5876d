// The read model behind get, list and topology, and the sweeper's list of
// unfinished work: a projection of the `resource` category (resumed from its
// checkpoint on boot) that this instance's own writes also feed at once.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Projection, ProjectionRunner } from '@pn/projection';
import { resourceDecider, resourceEventCodec, type ResourceFacts, type ResourceState } from '@pn/resources-domain';
import { Projections } from '@pn/service-kit';
import type { WatchedMap } from '@pn/decider';
import { DirectoryState, type SavedResource } from './directory.state.js';

export { creationKey, hasWorkLeft } from './directory.state.js';

export const resourceDirectoryProjection: Projection<DirectoryState> = {
  name: 'resources.directory.v1',
  category: 'resource',
  initialState: () => new DirectoryState(),
  evolve: (directory, recorded) => {
    const id = recorded.streamId.slice('resource-'.length);
    if (directory.reflects(id, recorded.revision)) return directory; // mostly our own writes, already put
    const event = resourceEventCodec.decode(recorded);
    if (!event) return directory;
    const current: ResourceState = directory.state(id) ?? resourceDecider.initialState();
    directory.put(id, resourceDecider.evolve(current, event), recorded.revision, false);
    return directory;
  },
  checkpoint: {
    tables: (directory) => ({ resources: directory.byId as WatchedMap<unknown>, tombstones: directory.tombstones as WatchedMap<unknown> }),
    entryToJson: (table, _id, value) => (table === 'resources' ? DirectoryState.entryToJson(value as Parameters<typeof DirectoryState.entryToJson>[0]) : value),
    restoreEntry: (directory, table, id, json) => {
      if (table === 'resources') directory.restoreEntry(id, json as SavedResource);
      else directory.restoreTombstone(id, json as number);
      return directory;
    },
  },
};

@Injectable()
export class ResourceDirectory implements OnModuleInit {
  private runner: ProjectionRunner<DirectoryState> | undefined;

  constructor(private readonly projections: Projections) {}

  async onModuleInit(): Promise<void> {
    this.runner = await this.projections.run(resourceDirectoryProjection);
  }

  private get directory(): DirectoryState {
    if (!this.runner) throw new Error('resource directory used before it was loaded');
    return this.runner.state;
  }

  /** Records a state this instance has just written (or read). */
  put(resourceId: string, state: ResourceState, revision: number): void {
    this.directory.put(resourceId, state, revision, true);
  }

  /** A resource that exists (deleted ones are gone). */
  get(resourceId: string): ResourceFacts | undefined {
    return this.directory.state(resourceId);
  }

  /** Networks that hold a live resource. */
  networkIds(): string[] {
    return this.directory.networkIds();
  }

  /** Resources of a network in creation order. */
  inNetwork(networkId: string): ResourceFacts[] {
    return this.directory.inNetwork(networkId);
  }

  /** Every live resource with a public address or a custom domain, in no order. */
  exposed(): ResourceFacts[] {
    return this.directory.exposed();
  }

  /** How many live resources there are of each kind and status. */
  countsByKindAndStatus(): Array<{ kind: string; status: string; n: number }> {
    return this.directory.countsByKindAndStatus();
  }

  /** How many live resources a network holds: deleted ones are gone, so their slots are free. */
  countInNetwork(networkId: string): number {
    return this.directory.countInNetwork(networkId);
  }

  /** Ids of resources with provisioning or teardown steps left. */
  withWorkLeft(): string[] {
    return this.directory.withWorkLeft();
  }
}
