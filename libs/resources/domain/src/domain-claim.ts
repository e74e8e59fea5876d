// Who owns a custom domain, across all accounts and every instance (stream
// `domain-<domain>`): one resource at a time. The claim is appended with
// optimistic concurrency, so two accounts racing for a domain cannot both win.
//
// A claim is written before the VM records the domain; a crash between the
// two leaves a claim that no VM lists, which no delete would ever give back.
// Such an orphan may be taken over, but only once it is older than any
// add_domain can take (ORPHAN_CLAIM_GRACE_MS), so an add still under way is
// never robbed: the caller says whose claim it found orphaned, and the
// takeover only happens if that is still the holder.
import { create } from '@bufbuild/protobuf';
import { DomainClaimedSchema, DomainReleasedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { DomainError, type Decider } from '@pn/decider';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

export const domainClaimEventSchemas = { DomainClaimed: DomainClaimedSchema, DomainReleased: DomainReleasedSchema };
export type DomainClaimEvent = EventsOf<typeof domainClaimEventSchemas>;
export const domainClaimEventCodec = protoEventCodec(domainClaimEventSchemas);

/** How old a claim no VM lists must be before another resource may take it over. */
export const ORPHAN_CLAIM_GRACE_MS = 60_000;

export type DomainClaimState = { readonly holder: string | undefined; readonly claimedAtMs?: number };

export type DomainClaimCommand =
  | {
      readonly type: 'ClaimDomain';
      readonly domain: string;
      readonly resourceId: string;
      readonly accountId: string;
      readonly now: Date;
      /** The holder the caller found not listing the domain (deleted, or never recorded it). */
      readonly orphanedBy?: string;
    }
  | { readonly type: 'ReleaseDomain'; readonly domain: string; readonly resourceId: string; readonly now: Date };

export function decideDomainClaim(command: DomainClaimCommand, state: DomainClaimState): DomainClaimEvent[] {
  const at = timestampFromDate(command.now);
  if (command.type === 'ClaimDomain') {
    if (state.holder === command.resourceId) return [];
    const claimed = create(DomainClaimedSchema, { domain: command.domain, resourceId: command.resourceId, accountId: command.accountId, claimedAt: at });
    if (state.holder === undefined) return [{ type: 'DomainClaimed', data: claimed }];
    if (command.orphanedBy === state.holder && command.now.getTime() - (state.claimedAtMs ?? 0) >= ORPHAN_CLAIM_GRACE_MS) {
      const released = create(DomainReleasedSchema, { domain: command.domain, resourceId: state.holder, releasedAt: at });
      return [
        { type: 'DomainReleased', data: released },
        { type: 'DomainClaimed', data: claimed },
      ];
    }
    // Says nothing of who holds it: another account's resource is not to be named.
    throw new DomainError('domain_taken', `domain ${command.domain} is already in use`, { field: 'domain' });
  }
  if (state.holder !== command.resourceId) return [];
  return [{ type: 'DomainReleased', data: create(DomainReleasedSchema, { domain: command.domain, resourceId: command.resourceId, releasedAt: at }) }];
}

export const evolveDomainClaim = (state: DomainClaimState, event: DomainClaimEvent): DomainClaimState => {
  if (event.type === 'DomainClaimed') {
    const at = event.data.claimedAt;
    return { holder: event.data.resourceId, claimedAtMs: at ? timestampDate(at).getTime() : 0 };
  }
  return state.holder === event.data.resourceId ? { holder: undefined } : state;
};

export const domainClaimDecider: Decider<DomainClaimCommand, DomainClaimEvent, DomainClaimState> = {
  decide: decideDomainClaim,
  evolve: evolveDomainClaim,
  initialState: () => ({ holder: undefined }),
};
