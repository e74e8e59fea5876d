// The key index fed by two paths, this instance's own writes and the
// subscription, in either order: a revoked key never comes back.
import { describe, expect, it } from '@jest/globals';
import { accountEventCodec, accountStreamId, decideAccount, type AccountEvent } from '@pn/accounts-domain';
import type { RecordedEvent } from '@pn/event-store';
import { throughCheckpoint } from '@pn/projection';
import { apiKeyIndexProjection, indexAccountEvent, type ApiKeyIndex } from './api-key-index.projection.js';

const ACCOUNT = 'acc_01hzzzzzzzzzzzzzzzzzzzzzzz';
const hash = (c: string) => c.repeat(64);
const key = (c: string) => ({ keyId: `key_0000000000000000000000000${c}`, keyHash: hash(c), last4: 'abcd' });
const now = new Date(0);

/** The account's stream: created with key a (revisions 0, 1), key b made (2), key b revoked (3). */
function events(): AccountEvent[] {
  // Decided against the states they need, so each is what the service records.
  const created = decideAccount({ type: 'CreateAccount', accountId: ACCOUNT, name: 'x', key: key('a'), now, keyQuota: 5 }, { status: 'absent' });
  const active = { status: 'active' as const, account: created[0]!.data as never, keys: new Map() };
  const keyB = decideAccount({ type: 'CreateApiKey', accountId: ACCOUNT, key: key('b'), name: 'b', scope: 'read', now, keyQuota: 5 }, active);
  const withB = { ...active, keys: new Map([[key('b').keyId, { keyId: key('b').keyId, name: 'b', scope: 'read' as const, keyHash: hash('b'), last4: 'abcd', createdAt: now }]]) };
  const revokeB = decideAccount({ type: 'RevokeApiKey', accountId: ACCOUNT, keyId: key('b').keyId, now }, withB);
  return [...created, ...keyB, ...revokeB];
}

const recorded = (event: AccountEvent, revision: number): RecordedEvent => ({
  ...accountEventCodec.encode(event),
  streamId: accountStreamId(ACCOUNT),
  id: `e${revision}`,
  metadata: {},
  revision,
  position: BigInt(revision + 1),
  recordedAt: now,
});

const deliver = (index: ApiKeyIndex, event: AccountEvent, revision: number) => apiKeyIndexProjection.evolve(index, recorded(event, revision)) as ApiKeyIndex;

describe('API key index', () => {
  it('given a key created and revoked here before the subscription brings either, the late creation does not bring it back', () => {
    const all = events();
    const index = apiKeyIndexProjection.initialState();
    deliver(index, all[0]!, 0);
    deliver(index, all[1]!, 1);
    // This instance creates key b and revokes it: own writes, applied at once.
    indexAccountEvent(index, all[2]!, { accountId: ACCOUNT, revision: 2 });
    expect(index.get(hash('b'))?.keyId).toBe(key('b').keyId);
    indexAccountEvent(index, all[3]!, { accountId: ACCOUNT, revision: 3 });
    expect(index.get(hash('b'))).toBeUndefined();
    // The subscription now delivers the creation, then the revocation.
    deliver(index, all[2]!, 2);
    expect(index.get(hash('b'))).toBeUndefined();
    deliver(index, all[3]!, 3);
    expect(index.get(hash('b'))).toBeUndefined();
    expect(index.get(hash('a'))?.scope).toBe('write'); // the positive control: a live key is known
  });

  it('applies events that come only through the subscription, in order', () => {
    const all = events();
    const index = apiKeyIndexProjection.initialState();
    all.slice(0, 3).forEach((e, revision) => deliver(index, e, revision));
    expect(index.get(hash('b'))?.scope).toBe('read');
    deliver(index, all[3]!, 3);
    expect(index.get(hash('b'))).toBeUndefined();
  });

  it('keeps what it has applied through a checkpoint', async () => {
    const all = events();
    const index = apiKeyIndexProjection.initialState();
    all.slice(0, 2).forEach((e, revision) => deliver(index, e, revision));
    indexAccountEvent(index, all[2]!, { accountId: ACCOUNT, revision: 2 });
    indexAccountEvent(index, all[3]!, { accountId: ACCOUNT, revision: 3 });
    const copy = await throughCheckpoint(apiKeyIndexProjection, index);
    deliver(copy, all[2]!, 2);
    expect(copy.get(hash('b'))).toBeUndefined();
    expect(copy.get(hash('a'))?.keyId).toBe(key('a').keyId);
  });
});
