import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AccountCreatedSchema } from '@pn/contracts';
import { spec } from '@pn/decider';
import { accountDecider, type AccountCommand, type AccountEvent } from './account.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const HASH = 'a'.repeat(64);
const createAccount = (name = 'acme', keyHash = HASH, keyQuota = 10): AccountCommand => ({
  type: 'CreateAccount',
  accountId: 'acc_1',
  name,
  keyHash,
  now: new Date(T0),
  keyQuota,
});
const created: AccountEvent = {
  type: 'AccountCreated',
  data: create(AccountCreatedSchema, { accountId: 'acc_1', name: 'acme', keyHash: HASH, createdAt: timestampFromMs(T0) }),
};

describe('account decider', () => {
  const account = spec(accountDecider);

  it('creates an account holding only the key’s hash', () => {
    account.given([]).when(createAccount()).then([created]);
  });

  it('refuses to create the same account twice', () => {
    account.given([created]).when(createAccount()).thenThrows('account_exists');
  });

  it('refuses an empty name and a key hash that is not SHA-256 hex', () => {
    account.given([]).when(createAccount('   ')).thenThrows('invalid_request');
    account.given([]).when(createAccount('acme', 'sk_plaintext')).thenThrows('invalid_request');
  });

  it('counts the account’s first key against the API key quota', () => {
    account.given([]).when(createAccount('acme', HASH, 1)).then([created]);
    expect(account.given([]).when(createAccount('acme', HASH, 0)).thenThrows('quota_exceeded').details).toEqual({ field: 'api_keys', limit: 0 });
  });
});
