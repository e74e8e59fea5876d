// Who owns a custom domain, across all accounts and every instance (stream
// `domain-<domain>`): one resource at a time. The claim is appended with
// optimistic concurrency, so two accounts racing for a domain cannot both win.
import { create } from '@bufbuild/protobuf';
import { DomainClaimedSchema, DomainReleasedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { DomainError, type Decider } from '@pn/decider';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

export const domainClaimEventSchemas = { DomainClaimed: DomainClaimedSchema, DomainReleased: DomainReleasedSchema };
export type DomainClaimEvent = EventsOf<typeof domainClaimEventSchemas>;
export const domainClaimEventCodec = protoEventCodec(domainClaimEventSchemas);

export type DomainClaimState = { readonly holder: string | undefined };

export type DomainClaimCommand =
  | { readonly type: 'ClaimDomain'; readonly domain: string; readonly resourceId: string; readonly accountId: string; readonly now: Date }
  | { readonly type: 'ReleaseDomain'; readonly domain: string; readonly resourceId: string; readonly now: Date };

export function decideDomainClaim(command: DomainClaimCommand, state: DomainClaimState): DomainClaimEvent[] {
  const at = timestampFromDate(command.now);
  if (command.type === 'ClaimDomain') {
    if (state.holder === command.resourceId) return [];
    // Says nothing of who holds it: another account's resource is not to be named.
    if (state.holder !== undefined) throw new DomainError('domain_taken', `domain ${command.domain} is already in use`, { field: 'domain' });
    return [{ type: 'DomainClaimed', data: create(DomainClaimedSchema, { domain: command.domain, resourceId: command.resourceId, accountId: command.accountId, claimedAt: at }) }];
  }
  if (state.holder !== command.resourceId) return [];
  return [{ type: 'DomainReleased', data: create(DomainReleasedSchema, { domain: command.domain, resourceId: command.resourceId, releasedAt: at }) }];
}

export const evolveDomainClaim = (state: DomainClaimState, event: DomainClaimEvent): DomainClaimState =>
  event.type === 'DomainClaimed' ? { holder: event.data.resourceId } : state.holder === event.data.resourceId ? { holder: undefined } : state;

export const domainClaimDecider: Decider<DomainClaimCommand, DomainClaimEvent, DomainClaimState> = {
  decide: decideDomainClaim,
  evolve: evolveDomainClaim,
  initialState: () => ({ holder: undefined }),
};
