// dns.records.register and dns.records.remove: a resource's names in its
// network's zone. Both reply once every running dns instance answers
// accordingly (each, this one included, confirmed through DnsFleet once its
// view has the change; bounded by
// PROJECTION_MAX_LAG_MS, past which an instance still behind answers
// SERVFAIL), so a create is resolvable, and a deleted resource unresolvable,
// on whichever instance a resolver asks, the moment the caller hears back.
import { Controller, Inject } from '@nestjs/common';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CommandHandler } from '@pn/command-handler';
import { hostnamesFor, routes, type RegisterRecordsRequest, type RemoveRecordsRequest } from '@pn/contracts';
import { zoneDecider, zoneEventCodec, zoneStateJson, type ZoneCommand, type ZoneEvent, type ZoneState } from '@pn/dns-domain';
import type { EventStore, SnapshotStore } from '@pn/event-store';
import { EVENT_STORE, PLATFORM_CONFIG, Rpc, SNAPSHOT_STORE, type PlatformConfig } from '@pn/service-kit';
import { DnsFleet } from '../fleet/dns-fleet.js';
import { ZoneProjection } from '../zone/zone.projection.js';

@Controller()
export class RecordsController {
  private readonly zones: CommandHandler<ZoneCommand, ZoneEvent, ZoneState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    private readonly projection: ZoneProjection,
    private readonly fleet: DnsFleet,
  ) {
    this.zones = new CommandHandler(store, zoneDecider, zoneEventCodec, {
      cacheState: true,
      // Bounded by what the cached zones hold, not only by how many: about 1M records.
      weigh: (state) => (state as ZoneState).records.size + (state as ZoneState).removed.size + 10,
      maxCachedWeight: 1_000_000,
      snapshots: { store: snapshots, every: config.snapshotEvery, schema: 'zone.v1', ...zoneStateJson },
    });
  }

  @Rpc(routes.registerRecords)
  async register(request: RegisterRecordsRequest) {
    const zone = `zone-${request.networkId}`;
    const { newEvents, revision } = await this.zones.handle(zone, {
      type: 'RegisterRecords',
      networkId: request.networkId,
      resourceId: request.resourceId,
      kind: request.kind,
      name: request.name,
      ip: request.ip,
      resourceCreatedAt: request.resourceCreatedAt ? timestampDate(request.resourceCreatedAt) : new Date(),
      now: new Date(),
    });
    await this.projection.applyOwn(zone, newEvents, revision);
    // Also when nothing new was written: a retry must still find every instance answering.
    await this.fleet.everyInstanceApplied(zone, revision);
    return { hostnames: hostnamesFor(request.kind, request.name, request.resourceId) };
  }

  @Rpc(routes.removeRecords)
  async remove(request: RemoveRecordsRequest) {
    const zone = `zone-${request.networkId}`;
    const { newEvents, revision } = await this.zones.handle(zone, {
      type: 'RemoveRecords',
      networkId: request.networkId,
      resourceId: request.resourceId,
      now: new Date(),
    });
    await this.projection.applyOwn(zone, newEvents, revision);
    await this.fleet.everyInstanceApplied(zone, revision);
    return {};
  }
}
