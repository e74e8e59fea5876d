// The DNS records of one network (stream `zone-<network_id>`): events, state,
// commands, decide and evolve.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema, RecordsRemovedSchema, protoEventCodec, type EventsOf } from '@pn/contracts';
import { assertNever, DomainError, RetiredIds, type Decider } from '@pn/decider';

export const zoneEventSchemas = { RecordsRegistered: RecordsRegisteredSchema, RecordsRemoved: RecordsRemovedSchema };
export type ZoneEvent = EventsOf<typeof zoneEventSchemas>;
export const zoneEventCodec = protoEventCodec(zoneEventSchemas);

export interface ZoneState {
  readonly records: Map<string, { readonly name: string; readonly ip: string }>;
  /** Resources whose records were removed: ids are never reused, so they get none again. Bounded (see RetiredIds). */
  readonly removed: RetiredIds;
}

export type ZoneCommand =
  | {
      readonly type: 'RegisterRecords';
      readonly networkId: string;
      readonly resourceId: string;
      readonly kind: string;
      readonly name: string;
      readonly ip: string;
      readonly resourceCreatedAt: Date;
      readonly now: Date;
    }
  | { readonly type: 'RemoveRecords'; readonly networkId: string; readonly resourceId: string; readonly now: Date };

export function decideZone(command: ZoneCommand, state: ZoneState): ZoneEvent[] {
  switch (command.type) {
    case 'RegisterRecords': {
      // A registration that arrives after the resource's removal (a race with
      // its delete) would leave a name nobody withdraws: refuse it.
      if (!state.records.has(command.resourceId) && state.removed.isRetired(command.resourceId)) {
        throw new DomainError('resource_retired', `resource ${command.resourceId} was removed from the zone and gets no records again`);
      }
      const current = state.records.get(command.resourceId);
      // Registering what is already there is a retry. A new address under the
      // same resource is a move: the hostname follows the resource.
      if (current && current.name === command.name && current.ip === command.ip) return [];
      return [
        {
          type: 'RecordsRegistered',
          data: create(RecordsRegisteredSchema, {
            networkId: command.networkId,
            resourceId: command.resourceId,
            kind: command.kind,
            name: command.name,
            ip: command.ip,
            resourceCreatedAt: timestampFromDate(command.resourceCreatedAt),
            registeredAt: timestampFromDate(command.now),
          }),
        },
      ];
    }
    case 'RemoveRecords':
      // Recorded even when there is nothing to remove, so a late registration is refused.
      if (!state.records.has(command.resourceId) && state.removed.isRetired(command.resourceId)) return [];
      return [
        {
          type: 'RecordsRemoved',
          data: create(RecordsRemovedSchema, { networkId: command.networkId, resourceId: command.resourceId, removedAt: timestampFromDate(command.now) }),
        },
      ];
    default:
      return assertNever(command);
  }
}

// Mutates and returns `state`: a zone holds a record per resource of the
// network, and copying them all for every event would make each registration
// cost as much as the whole zone. Replaying the same events gives the same state.
export function evolveZone(state: ZoneState, event: ZoneEvent): ZoneState {
  switch (event.type) {
    case 'RecordsRegistered':
      state.records.set(event.data.resourceId, { name: event.data.name, ip: event.data.ip });
      return state;
    case 'RecordsRemoved':
      state.records.delete(event.data.resourceId);
      state.removed.add(event.data.resourceId, event.data.removedAt ? timestampMs(event.data.removedAt) : 0);
      return state;
    default:
      return state;
  }
}

export const zoneDecider: Decider<ZoneCommand, ZoneEvent, ZoneState> = {
  decide: decideZone,
  evolve: evolveZone,
  initialState: () => ({ records: new Map(), removed: new RetiredIds() }),
};

/** A zone's state as plain data and back, for snapshots of long `zone-*` streams. */
export const zoneStateJson = {
  toJson: (state: ZoneState): unknown => ({
    records: [...state.records].map(([resourceId, r]) => [resourceId, r.name, r.ip]),
    removed: state.removed.toJson(),
  }),
  fromJson: (json: unknown): ZoneState => {
    const saved = json as { records: Array<[string, string, string]>; removed: Parameters<typeof RetiredIds.fromJson>[0] };
    return {
      records: new Map(saved.records.map(([resourceId, name, ip]) => [resourceId, { name, ip }])),
      removed: RetiredIds.fromJson(saved.removed),
    };
  },
};
