// The read model behind GET and topology: every resource's latest state, by
// id and by network. Fed by the `resource` category (rebuilt from the first
// event on boot) and by this instance's own writes, whichever comes first;
// the stream revision makes either path idempotent.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventStore, Subscription } from '@pn/event-store';
import { resourceDecider, resourceEventCodec, type ResourceState } from '@pn/resources-domain';
import { EVENT_STORE } from '@pn/service-kit';

type Present = Exclude<ResourceState, { status: 'absent' }>;

interface Entry {
  state: ResourceState;
  revision: number;
}

@Injectable()
export class ResourceDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, Entry>();
  private readonly byNetwork = new Map<string, Set<string>>();
  private subscription: Subscription | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.store.subscribe('resource', (recorded) => {
      const event = resourceEventCodec.decode(recorded);
      if (!event) return;
      const id = recorded.streamId.slice('resource-'.length);
      const entry = this.byId.get(id) ?? { state: resourceDecider.initialState(), revision: -1 };
      if (recorded.revision <= entry.revision) return;
      this.put(id, resourceDecider.evolve(entry.state, event), recorded.revision);
    });
    await this.subscription.caughtUp;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Records a state this instance has just written. */
  put(resourceId: string, state: ResourceState, revision: number): void {
    const entry = this.byId.get(resourceId);
    if (entry && entry.revision >= revision) return;
    this.byId.set(resourceId, { state, revision });
    if (state.status !== 'absent') {
      const ids = this.byNetwork.get(state.request.networkId) ?? new Set<string>();
      ids.add(resourceId);
      this.byNetwork.set(state.request.networkId, ids);
    }
  }

  get(resourceId: string): Present | undefined {
    const state = this.byId.get(resourceId)?.state;
    return state && state.status !== 'absent' ? state : undefined;
  }

  /** Resources of a network, oldest first. */
  inNetwork(networkId: string): Present[] {
    const states = [...(this.byNetwork.get(networkId) ?? [])].map((id) => this.get(id)).filter((s): s is Present => !!s);
    return states.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.request.resourceId.localeCompare(b.request.resourceId));
  }
}
