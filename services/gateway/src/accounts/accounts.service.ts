// Accounts: created by the admin, found by the hash of their API key. The
// key index is rebuilt from the `account` category on boot and follows it
// live, so every gateway instance knows every key.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { accountDecider, accountEventCodec, accountStreamId, type AccountCommand, type AccountEvent, type AccountState } from '@pn/accounts-domain';
import { CommandHandler } from '@pn/command-handler';
import type { EventStore, Subscription } from '@pn/event-store';
import { EVENT_STORE } from '@pn/service-kit';
import { monotonicFactory } from 'ulid';
import { hashApiKey, newApiKey } from './api-keys.js';

const nextUlid = monotonicFactory();

export interface Account {
  readonly id: string;
  readonly name: string;
}

@Injectable()
export class AccountsService implements OnModuleInit, OnApplicationShutdown {
  private readonly accounts: CommandHandler<AccountCommand, AccountEvent, AccountState>;
  private readonly byKeyHash = new Map<string, Account>();
  private subscription: Subscription | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    this.accounts = new CommandHandler(store, accountDecider, accountEventCodec);
  }

  async onModuleInit(): Promise<void> {
    this.subscription = await this.store.subscribe('account', (recorded) => {
      const event = accountEventCodec.decode(recorded);
      if (event) this.index(event);
    });
    await this.subscription.caughtUp;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Creates an account; the returned key is the only copy there will ever be. */
  async create(name: string): Promise<Account & { apiKey: string }> {
    const apiKey = newApiKey();
    const accountId = `acc_${nextUlid().toLowerCase()}`;
    const { newEvents } = await this.accounts.handle(accountStreamId(accountId), {
      type: 'CreateAccount',
      accountId,
      name,
      keyHash: hashApiKey(apiKey),
      now: new Date(),
    });
    newEvents.forEach((e) => this.index(e));
    return { id: accountId, name: name.trim(), apiKey };
  }

  authenticate(apiKey: string): Account | undefined {
    return this.byKeyHash.get(hashApiKey(apiKey));
  }

  private index(event: AccountEvent): void {
    if (event.type === 'AccountCreated') {
      this.byKeyHash.set(event.data.keyHash, { id: event.data.accountId, name: event.data.name });
    }
  }
}
