// The DNS server's view: every network's names (ZoneIndex), a projection of
// the `zone` category, plus the revision applied last per zone stream, so an
// event that this instance's own write already applied is skipped when the
// subscription brings it.
import { ZoneIndex, zoneEventCodec, type ZoneEvent } from '@pn/dns-domain';
import type { Projection } from '@pn/projection';

export interface ZoneView {
  readonly index: ZoneIndex;
  readonly applied: Map<string, number>;
}

/** Applies events of one zone stream ending at `revision`, unless they are applied already. */
export function applyToView(view: ZoneView, streamId: string, events: readonly ZoneEvent[], revision: number): void {
  if (revision <= (view.applied.get(streamId) ?? -1)) return;
  for (const event of events) view.index.apply(event);
  view.applied.set(streamId, revision);
}

export const zoneViewProjection: Projection<ZoneView> = {
  name: 'dns.zones.v1',
  category: 'zone',
  initialState: () => ({ index: new ZoneIndex(), applied: new Map() }),
  evolve: (view, recorded) => {
    const event = zoneEventCodec.decode(recorded);
    applyToView(view, recorded.streamId, event ? [event] : [], recorded.revision);
    return view;
  },
  toJson: (view) => ({ index: view.index.toJson(), applied: [...view.applied] }),
  fromJson: (json) => {
    const saved = json as { index: unknown; applied: Array<[string, number]> };
    return { index: ZoneIndex.fromJson(saved.index), applied: new Map(saved.applied) };
  },
};
