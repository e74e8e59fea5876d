// The read model behind authentication: every live API key by its hash, with
// its account and scope, followed from the `account` category by the
// projection runner on every gateway instance. A revocation removes the key
// here; the instance that recorded it applies it at once (indexAccountEvent),
// the others within milliseconds through their subscription, and none later
// than the lag bound the key guard enforces (guards.ts).
import { accountEventCodec, keyInfo, legacyFirstKey, type AccountEvent, type ApiKeyScopeName } from '@pn/accounts-domain';
import type { Projection } from '@pn/projection';

/** Who a request is from: the account, and which of its keys. */
export interface Account {
  readonly id: string;
  readonly keyId: string;
  readonly scope: ApiKeyScopeName;
}

export type ApiKeyIndex = Map<string, Account>;

/** Applies an event; also used for this instance's own writes, which may come before the subscription brings them. */
export function indexAccountEvent(index: ApiKeyIndex, event: AccountEvent): ApiKeyIndex {
  switch (event.type) {
    case 'AccountCreated': {
      const legacy = legacyFirstKey(event.data);
      if (legacy) index.set(legacy.keyHash, { id: event.data.accountId, keyId: legacy.keyId, scope: legacy.scope });
      break;
    }
    case 'ApiKeyCreated': {
      const key = keyInfo(event.data);
      index.set(key.keyHash, { id: event.data.accountId, keyId: key.keyId, scope: key.scope });
      break;
    }
    case 'ApiKeyRevoked':
      index.delete(event.data.keyHash);
      break;
  }
  return index;
}

export const apiKeyIndexProjection: Projection<ApiKeyIndex> = {
  // v2: entries carry the key's id and scope (v1 held the account's name).
  name: 'gateway.api-keys.v2',
  category: 'account',
  initialState: () => new Map(),
  evolve: (index, recorded) => {
    const event = accountEventCodec.decode(recorded);
    return event ? indexAccountEvent(index, event) : index;
  },
  toJson: (index) => [...index].map(([hash, a]) => [hash, a.id, a.keyId, a.scope]),
  fromJson: (json) =>
    new Map(
      (json as Array<[string, string, string, string]>).map(([hash, id, keyId, scope]) => [hash, { id, keyId, scope: scope === 'write' ? 'write' : 'read' }]),
    ),
};
