import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AccountCreatedSchema, ApiKeyCreatedSchema, ApiKeyRevokedSchema, ApiKeyScope } from '@pn/contracts';
import { fold, spec } from '@pn/decider';
import { accountDecider, type AccountCommand, type AccountEvent, type NewKey } from './account.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const T1 = T0 + 60_000;
const ULID = '01jtx5z8k3m4n5p6q7r8s9t0va';
const newKey = (n: number): NewKey => ({ keyId: `key_${ULID.slice(0, 25)}${n}`, keyHash: String(n).repeat(64), last4: `abc${n}` });
const FIRST = newKey(1);

const createAccount = (over: Partial<Extract<AccountCommand, { type: 'CreateAccount' }>> = {}): AccountCommand => ({
  type: 'CreateAccount',
  accountId: 'acc_1',
  name: 'acme',
  key: FIRST,
  now: new Date(T0),
  keyQuota: 10,
  ...over,
});
const createKey = (key: NewKey, scope: 'read' | 'write', keyQuota = 10, name = 'ci'): AccountCommand => ({
  type: 'CreateApiKey',
  accountId: 'acc_1',
  key,
  name,
  scope,
  now: new Date(T1),
  keyQuota,
});
const revoke = (keyId: string): AccountCommand => ({ type: 'RevokeApiKey', accountId: 'acc_1', keyId, now: new Date(T1) });

const accountCreated: AccountEvent = {
  type: 'AccountCreated',
  data: create(AccountCreatedSchema, { accountId: 'acc_1', name: 'acme', createdAt: timestampFromMs(T0) }),
};
const keyCreated = (key: NewKey, scope: ApiKeyScope, name: string, at: number): AccountEvent => ({
  type: 'ApiKeyCreated',
  data: create(ApiKeyCreatedSchema, { accountId: 'acc_1', keyId: key.keyId, name, scope, keyHash: key.keyHash, last4: key.last4, createdAt: timestampFromMs(at) }),
});
const firstKeyCreated = keyCreated(FIRST, ApiKeyScope.WRITE, 'default', T0);
const keyRevoked = (key: NewKey): AccountEvent => ({
  type: 'ApiKeyRevoked',
  data: create(ApiKeyRevokedSchema, { accountId: 'acc_1', keyId: key.keyId, keyHash: key.keyHash, revokedAt: timestampFromMs(T1) }),
});
const created = [accountCreated, firstKeyCreated];

describe('account decider', () => {
  const account = spec(accountDecider);

  it('creates an account with its first key, a write key named default, holding only the key’s hash', () => {
    account.given([]).when(createAccount()).then(created);
  });

  it('refuses to create the same account twice', () => {
    account.given(created).when(createAccount()).thenThrows('account_exists');
  });

  it('refuses an empty name and a key hash that is not SHA-256 hex', () => {
    account.given([]).when(createAccount({ name: '   ' })).thenThrows('invalid_request');
    account.given([]).when(createAccount({ key: { ...FIRST, keyHash: 'sk_plaintext' } })).thenThrows('invalid_request');
  });

  it('counts the account’s first key against the API key quota', () => {
    account.given([]).when(createAccount({ keyQuota: 1 })).then(created);
    expect(account.given([]).when(createAccount({ keyQuota: 0 })).thenThrows('quota_exceeded').details).toEqual({ field: 'api_keys', limit: 0 });
  });

  it('given an account, when a read key is created, then it is recorded with its scope, name, hash and last 4 characters', () => {
    account.given(created).when(createKey(newKey(2), 'read')).then([keyCreated(newKey(2), ApiKeyScope.READ, 'ci', T1)]);
  });

  it('given no account, when a key is created or revoked, then it is not found', () => {
    account.given([]).when(createKey(newKey(2), 'read')).thenThrows('not_found');
    account.given([]).when(revoke(FIRST.keyId)).thenThrows('not_found');
  });

  it('given a key name that is empty or too long, when the key is created, then it is refused naming name', () => {
    expect(account.given(created).when(createKey(newKey(2), 'read', 10, ' ')).thenThrows('invalid_request').details).toEqual({ field: 'name' });
    account.given(created).when(createKey(newKey(2), 'read', 10, 'x'.repeat(101))).thenThrows('invalid_request');
  });

  it('given as many live keys as the quota, when one more is created, then quota_exceeded; a revoked key frees its slot', () => {
    const full = [...created, keyCreated(newKey(2), ApiKeyScope.READ, 'ci', T1)];
    expect(account.given(full).when(createKey(newKey(3), 'read', 2)).thenThrows('quota_exceeded').details).toEqual({ field: 'api_keys', limit: 2 });
    account.given([...full, keyRevoked(newKey(2))]).when(createKey(newKey(3), 'read', 2)).then([keyCreated(newKey(3), ApiKeyScope.READ, 'ci', T1)]);
  });

  it('given two write keys, when one is revoked, then ApiKeyRevoked carries its id and hash', () => {
    account.given([...created, keyCreated(newKey(2), ApiKeyScope.WRITE, 'ci', T1)]).when(revoke(FIRST.keyId)).then([keyRevoked(FIRST)]);
  });

  it('given only one write key, when it is revoked, then last_write_key (a read key does not count)', () => {
    account.given([...created, keyCreated(newKey(2), ApiKeyScope.READ, 'ci', T1)]).when(revoke(FIRST.keyId)).thenThrows('last_write_key');
  });

  it('given a revoked key or an unknown id, when it is revoked, then not_found', () => {
    const withTwo = [...created, keyCreated(newKey(2), ApiKeyScope.READ, 'ci', T1)];
    account.given([...withTwo, keyRevoked(newKey(2))]).when(revoke(newKey(2).keyId)).thenThrows('not_found');
    account.given(created).when(revoke('key_someone_elses')).thenThrows('not_found');
  });

  it('reads an account made before keys had events: its AccountCreated key hash is its first write key', () => {
    const legacy: AccountEvent = {
      type: 'AccountCreated',
      data: create(AccountCreatedSchema, { accountId: `acc_${ULID}`, name: 'old', keyHash: 'f'.repeat(64), createdAt: timestampFromMs(T0) }),
    };
    const state = fold(accountDecider, [legacy]);
    expect(state.status === 'active' && [...state.keys.values()]).toEqual([
      { keyId: `key_${ULID}`, name: 'default', scope: 'write', keyHash: 'f'.repeat(64), last4: '', createdAt: new Date(T0) },
    ]);
  });

  it('reads an unknown scope as read, the least it could grant', () => {
    const state = fold(accountDecider, [...created, keyCreated(newKey(2), 99 as ApiKeyScope, 'odd', T1)]);
    expect(state.status === 'active' && state.keys.get(newKey(2).keyId)?.scope).toBe('read');
  });
});
