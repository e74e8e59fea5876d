// The DNS server's view: every network's names (ZoneIndex), a projection of
// the `zone` category, plus the revision applied last per zone stream, so an
// event that this instance's own write already applied is skipped when the
// subscription brings it.
import { WatchedMap } from '@pn/decider';
import { ZoneIndex, zoneEventCodec, type ClaimEntry, type SavedClaimEntry, type ZoneEvent } from '@pn/dns-domain';
import type { Projection } from '@pn/projection';

export interface ZoneView {
  readonly index: ZoneIndex;
  readonly applied: WatchedMap<number>;
}

/** Applies events of one zone stream ending at `revision`, unless they are applied already. */
export function applyToView(view: ZoneView, streamId: string, events: readonly ZoneEvent[], revision: number): void {
  if (revision <= (view.applied.get(streamId) ?? -1)) return;
  for (const event of events) view.index.apply(event);
  view.applied.set(streamId, revision);
}

/**
 * The view as a projection, checkpointed by entry (a resource's claims, a
 * stream's applied revision); and the whole view as plain data and back
 * (toJson, fromJson), what an answering worker starts from.
 */
export const zoneViewProjection: Projection<ZoneView> & { toJson(view: ZoneView): unknown; fromJson(json: unknown): ZoneView } = {
  name: 'dns.zones.v1',
  category: 'zone',
  initialState: () => ({ index: new ZoneIndex(), applied: new WatchedMap() }),
  evolve: (view, recorded) => {
    const event = zoneEventCodec.decode(recorded);
    applyToView(view, recorded.streamId, event ? [event] : [], recorded.revision);
    return view;
  },
  checkpoint: {
    tables: (view) => ({ claims: view.index.claims as WatchedMap<unknown>, applied: view.applied as WatchedMap<unknown> }),
    entryToJson: (table, _key, value) => (table === 'claims' ? ZoneIndex.claimToJson(value as ClaimEntry) : value),
    restoreEntry: (view, table, key, json) => {
      if (table === 'claims') view.index.restoreClaim(key, json as SavedClaimEntry);
      else view.applied.set(key, json as number);
      return view;
    },
  },
  toJson: (view) => ({ index: view.index.toJson(), applied: [...view.applied] }),
  fromJson: (json) => {
    const saved = json as { index: unknown; applied: Array<[string, number]> };
    return { index: ZoneIndex.fromJson(saved.index), applied: new WatchedMap(saved.applied) };
  },
};
