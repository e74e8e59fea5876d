// Accounts and their API keys: accounts created by the admin, keys created,
// listed and revoked by the account, requests known by the hash of their
// key. The key index is a projection of the `account` category (resumed from
// its checkpoint on boot, then live), so every gateway instance knows every
// key; this instance's own writes are applied to it at once, so a key it
// revoked is refused by it from the moment the DELETE is answered.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  accountDecider,
  accountEventCodec,
  accountStreamId,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type ApiKeyInfo,
  type ApiKeyScopeName,
  type NewKey,
} from '@pn/accounts-domain';
import { CommandHandler } from '@pn/command-handler';
import type { EventStore } from '@pn/event-store';
import type { ProjectionRunner } from '@pn/projection';
import { EVENT_STORE, newUlid, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { apiKeyIndexProjection, indexAccountEvent, type Account, type ApiKeyIndex } from './api-key-index.projection.js';
import { hashApiKey, lastFour, newApiKey } from './api-keys.js';

export type { Account } from './api-key-index.projection.js';

/** A key with its secret: only ever in the answer to its creation. */
export type CreatedKey = ApiKeyInfo & { readonly apiKey: string };

// Fresh ULIDs, not monotonic ones: ids carry their full randomness, so one
// account's ids say nothing about another's.
const newKey = (): { apiKey: string; key: NewKey } => {
  const apiKey = newApiKey();
  return { apiKey, key: { keyId: `key_${newUlid()}`, keyHash: hashApiKey(apiKey), last4: lastFour(apiKey) } };
};

/** How often a request waiting for the key index to be current looks again. */
const INDEX_WATCH_MS = 20;
/** The longest a request waits for the key index to be current before it is refused (or the lag bound, if shorter). */
const INDEX_WAIT_MS = 1000;

@Injectable()
export class AccountsService implements OnModuleInit {
  private readonly accounts: CommandHandler<AccountCommand, AccountEvent, AccountState>;
  private index: ProjectionRunner<ApiKeyIndex> | undefined;
  /** The timer requests waiting for the key index share (see untilIndexCurrent). */
  private indexTick: Promise<void> | undefined;
  /** Told the id of every key revoked, from this instance's own writes and from the index's subscription (so possibly twice). */
  private readonly revokedListeners = new Set<(keyId: string) => void>();

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.accounts = new CommandHandler(store, accountDecider, accountEventCodec);
  }

  async onModuleInit(): Promise<void> {
    this.index = await this.projections.run(apiKeyIndexProjection);
    // Revocations recorded by other gateway instances reach this one here.
    this.index.onApplied((recorded) => {
      // Never throws into the runner: an event the projection parked may not decode here either.
      try {
        const event = accountEventCodec.decode(recorded);
        if (event) this.announceRevocation(event);
      } catch {
        // the projection has already logged and parked it
      }
    });
  }

  /** Calls `listener` with the id of each key revoked from now on; returns the unsubscribe. */
  onKeyRevoked(listener: (keyId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private announceRevocation(event: AccountEvent): void {
    if (event.type !== 'ApiKeyRevoked') return;
    for (const listener of this.revokedListeners) listener(event.data.keyId);
  }

  /** Creates an account with its first key (a write key); the returned key is the only copy there will ever be. */
  async create(name: string): Promise<{ id: string; name: string; apiKey: string }> {
    const { apiKey, key } = newKey();
    const accountId = `acc_${newUlid()}`;
    await this.handle(accountId, { type: 'CreateAccount', accountId, name, key, now: new Date(), keyQuota: this.config.quotaApiKeys });
    return { id: accountId, name: name.trim(), apiKey };
  }

  async createKey(account: Account, name: string, scope: ApiKeyScopeName): Promise<CreatedKey> {
    const { apiKey, key } = newKey();
    const state = await this.handle(account.id, {
      type: 'CreateApiKey',
      accountId: account.id,
      key,
      name,
      scope,
      now: new Date(),
      keyQuota: this.config.quotaApiKeys,
    });
    return { ...state.keys.get(key.keyId)!, apiKey };
  }

  /** The account's live keys, oldest first, read from its stream (so a key just made or revoked is as it is). */
  async listKeys(account: Account): Promise<ApiKeyInfo[]> {
    const { state } = await this.accounts.load(accountStreamId(account.id));
    if (state.status !== 'active') return [];
    return [...state.keys.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.keyId.localeCompare(b.keyId));
  }

  /** Another account's key id is simply not among this account's keys: 404, like an unknown one. */
  async revokeKey(account: Account, keyId: string): Promise<void> {
    await this.handle(account.id, { type: 'RevokeApiKey', accountId: account.id, keyId, now: new Date() });
  }

  authenticate(apiKey: string): Account | undefined {
    return this.index?.state.get(hashApiKey(apiKey));
  }

  /** How far behind the key index is (ms): a revocation recorded elsewhere may not be applied yet. */
  private indexLagMs(): number {
    return this.index?.lagMs() ?? Number.POSITIVE_INFINITY;
  }

  /**
   * True once the key index is within the lag bound, false if it is not
   * within the bound itself (at most INDEX_WAIT_MS). A moment of lag is common
   * and short: this process stalled (a long GC, a loaded machine) and its last
   * confirmation is old until the next round trip (every 500 ms), or a pull is
   * being opened again. A request waits that out rather than being refused;
   * only lag that lasts is a 503. The requests waiting share one timer.
   */
  async untilIndexCurrent(): Promise<boolean> {
    const deadline = Date.now() + Math.min(INDEX_WAIT_MS, this.config.projectionMaxLagMs);
    while (this.indexLagMs() > this.config.projectionMaxLagMs) {
      if (Date.now() >= deadline) return false;
      await (this.indexTick ??= new Promise<void>((resolve) => setTimeout(resolve, INDEX_WATCH_MS)).finally(() => (this.indexTick = undefined)));
    }
    return true;
  }

  private async handle(accountId: string, command: AccountCommand): Promise<Extract<AccountState, { status: 'active' }>> {
    const { newEvents, state, revision } = await this.accounts.handle(accountStreamId(accountId), command);
    // `revision` is the last new event's: the subscription will bring the same revisions, and they are skipped then.
    const first = revision - newEvents.length + 1;
    newEvents.forEach((event, i) => {
      indexAccountEvent(this.index!.state, event, { accountId, revision: first + i });
      this.announceRevocation(event);
    });
    return state as Extract<AccountState, { status: 'active' }>;
  }
}
