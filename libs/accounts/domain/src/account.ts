// An account (stream `account-<id>`): who may call the API, known by the hash
// of its API key. The key itself never reaches the domain or the store.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AccountCreatedSchema, protoEventCodec, type AccountCreated, type EventsOf } from '@pn/contracts';
import { assertNever, checkQuota, DomainError, type Decider, type Quota } from '@pn/decider';

export const accountEventSchemas = { AccountCreated: AccountCreatedSchema };
export type AccountEvent = EventsOf<typeof accountEventSchemas>;
export const accountEventCodec = protoEventCodec(accountEventSchemas);

export const accountStreamId = (accountId: string) => `account-${accountId}`;

export type AccountState = { readonly status: 'absent' } | { readonly status: 'active'; readonly account: AccountCreated };

/**
 * API keys an account may hold (QUOTA_API_KEYS). Today an account is made
 * with exactly one key and cannot add more, so only its creation checks it
 * (and a limit of at least 1 always lets it through); the command that adds
 * a key, when there is one, counts the account's keys against this quota too.
 */
export const API_KEY_QUOTA: Quota = { what: 'API keys', per: 'per account', field: 'api_keys' };

export type AccountCommand = {
  readonly type: 'CreateAccount';
  readonly accountId: string;
  readonly name: string;
  readonly keyHash: string;
  readonly now: Date;
  /** The most API keys an account may hold. */
  readonly keyQuota: number;
};

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'CreateAccount': {
      if (state.status !== 'absent') throw new DomainError('account_exists', `account ${command.accountId} already exists`);
      const name = command.name.trim();
      if (name.length === 0 || name.length > 100) {
        throw new DomainError('invalid_request', 'name must be 1 to 100 characters', { field: 'name' });
      }
      if (!/^[0-9a-f]{64}$/.test(command.keyHash)) throw new DomainError('invalid_request', 'key hash must be SHA-256 hex');
      checkQuota(API_KEY_QUOTA, { limit: command.keyQuota, used: 0 }); // its first key
      return [
        {
          type: 'AccountCreated',
          data: create(AccountCreatedSchema, {
            accountId: command.accountId,
            name,
            keyHash: command.keyHash,
            createdAt: timestampFromDate(command.now),
          }),
        },
      ];
    }
    default:
      return assertNever(command.type);
  }
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  return event.type === 'AccountCreated' ? { status: 'active', account: event.data } : state;
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: () => ({ status: 'absent' }),
};
