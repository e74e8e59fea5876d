// dns.records.register: publishes a resource's names in its network's zone.
// Replies once this instance answers them, so a create that waits for this
// reply is resolvable the moment it returns.
import { Controller, Inject } from '@nestjs/common';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CommandHandler } from '@pn/command-handler';
import { routes, type RegisterRecordsRequest } from '@pn/contracts';
import { hostnamesFor, zoneDecider, zoneEventCodec, type ZoneCommand, type ZoneEvent, type ZoneState } from '@pn/dns-domain';
import type { EventStore } from '@pn/event-store';
import { EVENT_STORE, Rpc } from '@pn/service-kit';
import { ZoneProjection } from '../zone/zone.projection.js';

@Controller()
export class RegisterRecordsController {
  private readonly zones: CommandHandler<ZoneCommand, ZoneEvent, ZoneState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly projection: ZoneProjection,
  ) {
    this.zones = new CommandHandler(store, zoneDecider, zoneEventCodec, { cacheState: true });
  }

  @Rpc(routes.registerRecords)
  async register(request: RegisterRecordsRequest) {
    const { newEvents } = await this.zones.handle(`zone-${request.networkId}`, {
      type: 'RegisterRecords',
      networkId: request.networkId,
      resourceId: request.resourceId,
      kind: request.kind,
      name: request.name,
      ip: request.ip,
      resourceCreatedAt: request.resourceCreatedAt ? timestampDate(request.resourceCreatedAt) : new Date(),
      now: new Date(),
    });
    this.projection.applyOwn(newEvents);
    return { hostnames: hostnamesFor(request.kind, request.name, request.resourceId) };
  }
}
