// Live resource events for every events client of this gateway from one
// shared subscription to the `resource` category (started with the first
// client), fanned out to the clients it concerns: a gateway with a thousand
// agents watching holds one store subscription, not a thousand. A client
// resuming with Last-Event-ID gets what it missed from a short-lived read of
// the category from that position (bounded), then the live events that came
// meanwhile. The SSE id is the event's store position. The replay's work is
// bounded by the events it reads (any account's), not only by what it sends:
// one request with Last-Event-ID 0 must not read every tenant's history.
//
// Only ResourceRequested names the account; the owner of every other event is
// looked up once (the stream's first event) and kept, bounded.
import { AsyncResource } from 'node:async_hooks';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UnreadableCommitError, type EventStore, type RecordedEvent, type Subscription } from '@pn/event-store';
import { EVENT_STORE } from '@pn/service-kit';
import { AccountsService } from '../accounts/accounts.service.js';
import { EventClient } from './event-client.js';
import { ownerOf, resourceChange, resourceIdOf, type ResourceOwner } from './resource-change.js';

/** At most this many events are replayed to a resuming client; further back, it is told to list again. */
export const MAX_REPLAY = 1_000;
/**
 * At most this many `resource` events (of every account) are read for one
 * replay; a gap longer than that is answered with `reset` (list again), which
 * is what a list is for. Positions cannot be counted with (event-store.port),
 * so the bound is on events read, not on a position range.
 */
export const MAX_REPLAY_SCAN = 10_000;
const MAX_OWNERS = 100_000;

@Injectable()
export class EventHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventHub');
  private readonly clients = new Set<EventClient>();
  private readonly owners = new Map<string, ResourceOwner>();
  private shared: Promise<Subscription> | undefined;
  // Captured at construction, outside any request: the shared subscription is
  // started from it, so its work never runs under the first client's request
  // context (its id, its deadline).
  private readonly root = new AsyncResource('pn-event-hub');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly accounts?: AccountsService,
  ) {}

  // A stream is authorised by its key once, when it opens: without this, it
  // would outlive the key's revocation for as long as the client holds it.
  onModuleInit(): void {
    this.accounts?.onKeyRevoked((keyId) => {
      for (const client of [...this.clients]) if (client.filter.keyId === keyId) client.close();
    });
  }

  /**
   * Registers a client; with `after`, replays what it missed first.
   * `stillAuthorised` is asked once the client is registered: a key revoked
   * after the guard checked it but before then is not announced to it.
   */
  async connect(client: (onClose: (c: EventClient) => void) => EventClient, after: bigint | undefined, stillAuthorised: () => boolean = () => true): Promise<void> {
    await this.ensureShared();
    const c = client((closed) => this.clients.delete(closed));
    if (c.closed) return;
    this.clients.add(c);
    if (!stillAuthorised()) return c.close();
    if (after !== undefined) await this.replay(c, after);
  }

  private ensureShared(): Promise<Subscription> {
    this.shared ??= this.root.runInAsyncScope(async () => {
      // From the head: history is for replays; the shared one carries only what happens from now.
      const head = await this.store.head('resource');
      return this.store.subscribe('resource', (event) => this.fanOut(event), head ? { after: head.position } : {});
    });
    this.shared.catch(() => (this.shared = undefined));
    return this.shared;
  }

  private async fanOut(event: RecordedEvent): Promise<void> {
    if (this.clients.size === 0) return;
    const owner = await this.owner(event);
    const change = owner && resourceChange(event, owner);
    if (!owner || !change) return;
    for (const client of this.clients) if (concerns(client, owner)) client.live(event.position, change);
  }

  private async replay(client: EventClient, after: bigint): Promise<void> {
    // An id past the head was never handed out here: say reset rather than replay nothing and then
    // drop every live event as already sent. (0 on an empty store is "from the start", not ahead.)
    const head = (await this.store.head('resource'))?.position ?? 0n;
    if (after > head) return client.aheadOfStore(head);
    let count = 0;
    let scanned = 0;
    let truncated = false;
    let subscription: Subscription | undefined;
    // Resolves the moment the replay is over: caught up, over the bound, or the client gone.
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    subscription = await this.store.subscribe(
      'resource',
      async (event) => {
        if (client.closed || truncated) return stop();
        if (++scanned > MAX_REPLAY_SCAN) {
          truncated = true;
          return stop();
        }
        const owner = await this.owner(event);
        const change = owner && resourceChange(event, owner);
        if (!owner || !change || !concerns(client, owner)) return;
        if (++count > MAX_REPLAY) {
          truncated = true;
          return stop();
        }
        client.replayed(event.position, change);
      },
      { after },
    );
    await Promise.race([subscription.caughtUp, stopped]);
    await subscription.close();
    client.endReplay(truncated);
  }

  private async owner(event: RecordedEvent): Promise<ResourceOwner | undefined> {
    const id = resourceIdOf(event.streamId);
    let owner = this.owners.get(id) ?? ownerOf(event);
    if (!owner) {
      // A stream with garbage on its subject cannot be read (parked by the store): its events go to no
      // client, rather than the subscription retrying this one for ever.
      const [first] = await this.store.read(event.streamId, { maxCount: 1 }).catch((error: unknown) => {
        if (error instanceof UnreadableCommitError) return [];
        throw error;
      });
      owner = first && ownerOf(first);
    }
    if (owner && !this.owners.has(id)) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.owners.size >= MAX_OWNERS) this.owners.delete(this.owners.keys().next().value!);
      this.owners.set(id, owner);
    }
    return owner;
  }

  /** Streams end before the HTTP server closes, which would otherwise wait for them. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const client of [...this.clients]) client.close();
    const shared = this.shared;
    this.shared = undefined;
    await shared?.then((s) => s.close()).catch((error: unknown) => this.logger.warn(`closing the shared subscription: ${String(error)}`));
  }
}

const concerns = (client: EventClient, owner: ResourceOwner) =>
  owner.accountId === client.filter.accountId && (client.filter.project === undefined || client.filter.project === owner.project);
