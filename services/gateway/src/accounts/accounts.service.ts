// Accounts: created by the admin, found by the hash of their API key. The
// key index is a projection of the `account` category (resumed from its
// checkpoint on boot, then live), so every gateway instance knows every key.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { accountDecider, accountEventCodec, accountStreamId, type AccountCommand, type AccountEvent, type AccountState } from '@pn/accounts-domain';
import { CommandHandler } from '@pn/command-handler';
import type { EventStore } from '@pn/event-store';
import type { ProjectionRunner } from '@pn/projection';
import { EVENT_STORE, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { ulid } from 'ulid';
import { apiKeyIndexProjection, indexAccountEvent, type Account, type ApiKeyIndex } from './api-key-index.projection.js';
import { hashApiKey, newApiKey } from './api-keys.js';

export type { Account } from './api-key-index.projection.js';

@Injectable()
export class AccountsService implements OnModuleInit {
  private readonly accounts: CommandHandler<AccountCommand, AccountEvent, AccountState>;
  private index: ProjectionRunner<ApiKeyIndex> | undefined;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.accounts = new CommandHandler(store, accountDecider, accountEventCodec);
  }

  async onModuleInit(): Promise<void> {
    this.index = await this.projections.run(apiKeyIndexProjection);
  }

  /** Creates an account; the returned key is the only copy there will ever be. */
  async create(name: string): Promise<Account & { apiKey: string }> {
    const apiKey = newApiKey();
    // A fresh ULID, not a monotonic one: ids carry their full randomness, so one
    // account's ids say nothing about another's.
    const accountId = `acc_${ulid().toLowerCase()}`;
    const { newEvents } = await this.accounts.handle(accountStreamId(accountId), {
      type: 'CreateAccount',
      accountId,
      name,
      keyHash: hashApiKey(apiKey),
      now: new Date(),
      keyQuota: this.config.quotaApiKeys,
    });
    for (const event of newEvents) indexAccountEvent(this.index!.state, event);
    return { id: accountId, name: name.trim(), apiKey };
  }

  authenticate(apiKey: string): Account | undefined {
    return this.index?.state.get(hashApiKey(apiKey));
  }
}
