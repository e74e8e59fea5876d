// The read model behind authentication: every live API key by its hash, with
// its account and scope, followed from the `account` category by the
// projection runner on every gateway instance. A revocation removes the key
// here; the instance that recorded it applies it at once (indexAccountEvent),
// the others within milliseconds through their subscription, and none later
// than the lag bound the key guard enforces (guards.ts).
//
// Both paths carry the event's revision in its account's stream, and each
// account's last applied revision is kept: an event at or below it is
// already reflected. Without it, a key created and revoked here before the
// subscription delivered the creation was added back by that late creation
// (as resources/directory/directory.state.ts does for resources). One number
// per account: accounts are never deleted, so nothing to forget.
import { accountEventCodec, keyInfo, legacyFirstKey, type AccountEvent, type ApiKeyScopeName } from '@pn/accounts-domain';
import { wholeState, type Projection } from '@pn/projection';

/** Who a request is from: the account, and which of its keys. */
export interface Account {
  readonly id: string;
  readonly keyId: string;
  readonly scope: ApiKeyScopeName;
}

export class ApiKeyIndex {
  readonly keys = new Map<string, Account>();
  /** Last applied revision of each account's stream. */
  readonly revisions = new Map<string, number>();

  get(keyHash: string): Account | undefined {
    return this.keys.get(keyHash);
  }
}

/** Where an event sits: its account and its revision in the account's stream. */
export interface At {
  readonly accountId: string;
  readonly revision: number;
}

/** Applies an event unless already reflected; also used for this instance's own writes, which may come before the subscription brings them. */
export function indexAccountEvent(index: ApiKeyIndex, event: AccountEvent, at: At): ApiKeyIndex {
  if (at.revision <= (index.revisions.get(at.accountId) ?? -1)) return index;
  index.revisions.set(at.accountId, at.revision);
  switch (event.type) {
    case 'AccountCreated': {
      const legacy = legacyFirstKey(event.data);
      if (legacy) index.keys.set(legacy.keyHash, { id: event.data.accountId, keyId: legacy.keyId, scope: legacy.scope });
      break;
    }
    case 'ApiKeyCreated': {
      const key = keyInfo(event.data);
      index.keys.set(key.keyHash, { id: event.data.accountId, keyId: key.keyId, scope: key.scope });
      break;
    }
    case 'ApiKeyRevoked':
      index.keys.delete(event.data.keyHash);
      break;
  }
  return index;
}

export const apiKeyIndexProjection: Projection<ApiKeyIndex> = {
  // v3: with each account's last applied revision (v2 had none, so it could not tell a late event).
  name: 'gateway.api-keys.v3',
  category: 'account',
  initialState: () => new ApiKeyIndex(),
  evolve: (index, recorded) => {
    const event = accountEventCodec.decode(recorded);
    return event ? indexAccountEvent(index, event, { accountId: recorded.streamId.slice('account-'.length), revision: recorded.revision }) : index;
  },
  checkpoint: wholeState(
    (index) => ({
      keys: [...index.keys].map(([hash, a]) => [hash, a.id, a.keyId, a.scope]),
      revisions: [...index.revisions],
    }),
    (json) => {
      const saved = json as { keys: Array<[string, string, string, string]>; revisions: Array<[string, number]> };
      const index = new ApiKeyIndex();
      for (const [hash, id, keyId, scope] of saved.keys) index.keys.set(hash, { id, keyId, scope: scope === 'write' ? 'write' : 'read' });
      for (const [accountId, revision] of saved.revisions) index.revisions.set(accountId, revision);
      return index;
    },
  ),
};
