// The read model behind authentication: every account by the hash of its API
// key, followed from the `account` category by the projection runner.
import { accountEventCodec, type AccountEvent } from '@pn/accounts-domain';
import type { Projection } from '@pn/projection';

export interface Account {
  readonly id: string;
  readonly name: string;
}

export type ApiKeyIndex = Map<string, Account>;

/** Applies an event; also used for this instance's own writes, which may come before the subscription brings them. */
export function indexAccountEvent(index: ApiKeyIndex, event: AccountEvent): ApiKeyIndex {
  if (event.type === 'AccountCreated') index.set(event.data.keyHash, { id: event.data.accountId, name: event.data.name });
  return index;
}

export const apiKeyIndexProjection: Projection<ApiKeyIndex> = {
  name: 'gateway.api-keys.v1',
  category: 'account',
  initialState: () => new Map(),
  evolve: (index, recorded) => {
    const event = accountEventCodec.decode(recorded);
    return event ? indexAccountEvent(index, event) : index;
  },
  toJson: (index) => [...index].map(([hash, a]) => [hash, a.id, a.name]),
  fromJson: (json) => new Map((json as Array<[string, string, string]>).map(([hash, id, name]) => [hash, { id, name }])),
};
