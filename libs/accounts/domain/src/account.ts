// An account (stream `account-<id>`): who may call the API, through its API
// keys, each `read` or `write`, known by its hash. A key itself never reaches
// the domain or the store.
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AccountCreatedSchema,
  ApiKeyCreatedSchema,
  ApiKeyRevokedSchema,
  ApiKeyScope,
  protoEventCodec,
  type AccountCreated,
  type ApiKeyCreated,
  type EventsOf,
} from '@pn/contracts';
import { assertNever, checkQuota, DomainError, type Decider, type Quota } from '@pn/decider';
import { checkRevocable, keyNameProblem, type ApiKeyInfo, type ApiKeyScopeName } from './api-key-rules.js';

export const accountEventSchemas = { AccountCreated: AccountCreatedSchema, ApiKeyCreated: ApiKeyCreatedSchema, ApiKeyRevoked: ApiKeyRevokedSchema };
export type AccountEvent = EventsOf<typeof accountEventSchemas>;
export const accountEventCodec = protoEventCodec(accountEventSchemas);

export const accountStreamId = (accountId: string) => `account-${accountId}`;

export type AccountState =
  | { readonly status: 'absent' }
  | { readonly status: 'active'; readonly account: AccountCreated; readonly keys: ReadonlyMap<string, ApiKeyInfo> };

/** Live API keys an account may hold (QUOTA_API_KEYS); a revoked key frees its slot. */
export const API_KEY_QUOTA: Quota = { what: 'API keys', per: 'per account', field: 'api_keys', note: 'revoke one to make room' };

/** The name of the key an account is made with. */
export const FIRST_KEY_NAME = 'default';

/** What a new key is: its hash and last 4 characters, never the key. */
export interface NewKey {
  readonly keyId: string;
  readonly keyHash: string;
  readonly last4: string;
}

export type AccountCommand =
  | {
      readonly type: 'CreateAccount';
      readonly accountId: string;
      readonly name: string;
      /** Its first key, a write key. */
      readonly key: NewKey;
      readonly now: Date;
      /** The most API keys an account may hold. */
      readonly keyQuota: number;
    }
  | {
      readonly type: 'CreateApiKey';
      readonly accountId: string;
      readonly key: NewKey;
      readonly name: string;
      readonly scope: ApiKeyScopeName;
      readonly now: Date;
      readonly keyQuota: number;
    }
  | { readonly type: 'RevokeApiKey'; readonly accountId: string; readonly keyId: string; readonly now: Date };

const scopeToProto = (scope: ApiKeyScopeName) => (scope === 'write' ? ApiKeyScope.WRITE : ApiKeyScope.READ);
/** Anything but WRITE reads as read: an unknown scope grants the least. */
export const scopeFromProto = (scope: ApiKeyScope): ApiKeyScopeName => (scope === ApiKeyScope.WRITE ? 'write' : 'read');

function checkNewKey(key: NewKey): void {
  if (!/^[0-9a-f]{64}$/.test(key.keyHash)) throw new DomainError('invalid_request', 'key hash must be SHA-256 hex');
  if (!/^key_[0-9a-z]{26}$/.test(key.keyId)) throw new DomainError('invalid_request', 'key id must be key_<ulid>');
  if (key.last4.length !== 4) throw new DomainError('invalid_request', 'last4 must be 4 characters');
}

function keyCreated(accountId: string, key: NewKey, name: string, scope: ApiKeyScopeName, now: Date): AccountEvent {
  return {
    type: 'ApiKeyCreated',
    data: create(ApiKeyCreatedSchema, {
      accountId,
      keyId: key.keyId,
      name,
      scope: scopeToProto(scope),
      keyHash: key.keyHash,
      last4: key.last4,
      createdAt: timestampFromDate(now),
    }),
  };
}

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'CreateAccount': {
      if (state.status !== 'absent') throw new DomainError('account_exists', `account ${command.accountId} already exists`);
      const name = command.name.trim();
      if (name.length === 0 || name.length > 100) {
        throw new DomainError('invalid_request', 'name must be 1 to 100 characters', { field: 'name' });
      }
      checkNewKey(command.key);
      checkQuota(API_KEY_QUOTA, { limit: command.keyQuota, used: 0 }); // its first key
      return [
        { type: 'AccountCreated', data: create(AccountCreatedSchema, { accountId: command.accountId, name, createdAt: timestampFromDate(command.now) }) },
        keyCreated(command.accountId, command.key, FIRST_KEY_NAME, 'write', command.now),
      ];
    }
    case 'CreateApiKey': {
      if (state.status !== 'active') throw new DomainError('not_found', `account ${command.accountId} not found`);
      const problem = keyNameProblem(command.name);
      if (problem) throw new DomainError('invalid_request', problem, { field: 'name' });
      checkNewKey(command.key);
      if (state.keys.has(command.key.keyId)) throw new DomainError('invalid_request', `API key ${command.key.keyId} already exists`);
      checkQuota(API_KEY_QUOTA, { limit: command.keyQuota, used: state.keys.size });
      return [keyCreated(command.accountId, command.key, command.name.trim(), command.scope, command.now)];
    }
    case 'RevokeApiKey': {
      if (state.status !== 'active') throw new DomainError('not_found', `account ${command.accountId} not found`);
      checkRevocable(state.keys, command.keyId);
      const key = state.keys.get(command.keyId)!;
      return [
        {
          type: 'ApiKeyRevoked',
          data: create(ApiKeyRevokedSchema, { accountId: command.accountId, keyId: key.keyId, keyHash: key.keyHash, revokedAt: timestampFromDate(command.now) }),
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

/**
 * The first key of an account made before keys had events of their own
 * (AccountCreated with a key hash): a write key named `default`, with an id
 * made from the account's (ids need only be unique within the account).
 */
export function legacyFirstKey(created: AccountCreated): ApiKeyInfo | undefined {
  if (!created.keyHash) return undefined;
  return {
    keyId: `key_${created.accountId.replace(/^acc_/, '')}`,
    name: FIRST_KEY_NAME,
    scope: 'write',
    keyHash: created.keyHash,
    last4: '',
    createdAt: created.createdAt ? timestampDate(created.createdAt) : new Date(0),
  };
}

export function keyInfo(event: ApiKeyCreated): ApiKeyInfo {
  return {
    keyId: event.keyId,
    name: event.name,
    scope: scopeFromProto(event.scope),
    keyHash: event.keyHash,
    last4: event.last4,
    createdAt: event.createdAt ? timestampDate(event.createdAt) : new Date(0),
  };
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      const legacy = legacyFirstKey(event.data);
      return { status: 'active', account: event.data, keys: new Map(legacy ? [[legacy.keyId, legacy]] : []) };
    }
    case 'ApiKeyCreated':
      if (state.status !== 'active') return state;
      return { ...state, keys: new Map(state.keys).set(event.data.keyId, keyInfo(event.data)) };
    case 'ApiKeyRevoked': {
      if (state.status !== 'active') return state;
      const keys = new Map(state.keys);
      keys.delete(event.data.keyId);
      return { ...state, keys };
    }
    default:
      return assertNever(event);
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: () => ({ status: 'absent' }),
};
