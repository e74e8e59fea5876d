// The read model behind get, list and topology: every resource's latest state,
// by id and by network, plus the set of resources with work left to do
// (provisioning, deleting, or failed while still holding something). Fed by
// the `resource` category (rebuilt from the first event on boot) and by this
// instance's own writes, whichever comes first; the stream revision makes
// either path idempotent.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventStore, Subscription } from '@pn/event-store';
import { resourceDecider, resourceEventCodec, type ResourceFacts, type ResourceState } from '@pn/resources-domain';
import { EVENT_STORE } from '@pn/service-kit';

interface Entry {
  state: ResourceState;
  revision: number;
}

/** Ids are `<prefix>_<ULID>`: the ULID alone orders them by creation, whatever the kind. */
export const creationKey = (resourceId: string) => resourceId.slice(resourceId.indexOf('_') + 1);

export const hasWorkLeft = (s: ResourceFacts) =>
  s.status === 'provisioning' || s.status === 'deleting' || (s.status === 'failed' && (s.privateIp !== undefined || s.hostnames.length > 0));

@Injectable()
export class ResourceDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, Entry>();
  private readonly byNetwork = new Map<string, Set<string>>();
  private readonly unfinished = new Set<string>();
  private subscription: Subscription | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.store.subscribe('resource', (recorded) => {
      const id = recorded.streamId.slice('resource-'.length);
      const entry = this.byId.get(id) ?? { state: resourceDecider.initialState(), revision: -1 };
      if (recorded.revision <= entry.revision) return; // mostly our own writes, already put
      const event = resourceEventCodec.decode(recorded);
      if (event) this.put(id, resourceDecider.evolve(entry.state, event), recorded.revision);
    });
    await this.subscription.caughtUp;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Records a state this instance has just written (or read). */
  put(resourceId: string, state: ResourceState, revision: number): void {
    const entry = this.byId.get(resourceId);
    if (entry && entry.revision >= revision) return;
    this.byId.set(resourceId, { state, revision });
    if (state.status === 'absent') return;
    const ids = this.byNetwork.get(state.request.networkId) ?? new Set<string>();
    if (state.status === 'deleted') ids.delete(resourceId);
    else ids.add(resourceId);
    this.byNetwork.set(state.request.networkId, ids);
    if (hasWorkLeft(state)) this.unfinished.add(resourceId);
    else this.unfinished.delete(resourceId);
  }

  /** A resource that exists (deleted ones are gone). */
  get(resourceId: string): ResourceFacts | undefined {
    const state = this.byId.get(resourceId)?.state;
    return state && state.status !== 'absent' && state.status !== 'deleted' ? state : undefined;
  }

  /** Resources of a network in creation order. */
  inNetwork(networkId: string): ResourceFacts[] {
    return [...(this.byNetwork.get(networkId) ?? [])]
      .sort((a, b) => creationKey(a).localeCompare(creationKey(b)))
      .map((id) => this.get(id))
      .filter((s): s is ResourceFacts => s !== undefined);
  }

  /** Ids of resources with provisioning or teardown steps left. */
  withWorkLeft(): string[] {
    return [...this.unfinished];
  }
}
