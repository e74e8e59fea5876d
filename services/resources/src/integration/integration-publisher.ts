// Publishes the integration facts of resource events (address_held,
// address_hold_ended) on the bus, in the JetStream stream INTEGRATION_STREAM
// (history kept, like the event stream), so billing and others follow them
// without reading this service's private streams. It is a projection of the
// `resource` category: its checkpoint makes publication resume where it
// stopped, and each message's id (the source event's) lets JetStream drop a
// republished duplicate; consumers dedup on `source_event_id` beyond that.
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { toJsonString } from '@bufbuild/protobuf';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { AddressHeldSchema, AddressHoldEndedSchema } from '@pn/contracts';
import { RetryLater, type Projection } from '@pn/projection';
import { resourceEventCodec } from '@pn/resources-domain';
import { BUS_CONNECTION, ensureIntegrationStream, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { WatchedMap } from '@pn/decider';
import { factsOf, rememberResource, type IntegrationFact, type LiveResource } from './address-facts.js';

/** The subject a fact is published on: `<prefix>.v1.<fact>.<network_id>`. */
export const integrationSubject = (prefix: string, fact: IntegrationFact) => `${prefix}.v1.${fact.subject}.${fact.data.networkId}`;

const SCHEMAS = { AddressHeld: AddressHeldSchema, AddressHoldEnded: AddressHoldEndedSchema } as const;

@Injectable()
export class IntegrationPublisher implements OnModuleInit {
  private js: JetStreamClient | undefined;
  private readonly logger = new Logger(IntegrationPublisher.name);

  constructor(
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureIntegrationStream(this.nc, this.config);
    this.js = jetstream(this.nc);
    // Not awaited: publishing what happened while this instance was down must not hold its start.
    this.projections.run(this.projection()).catch((error) => this.logger.error(`integration publisher stopped: ${String(error)}`));
  }

  private projection(): Projection<WatchedMap<LiveResource>> {
    return {
      name: 'resources.integration-publisher.v1',
      category: 'resource',
      // Its lag is reported, but answers do not depend on it: the service is ready without it.
      gatesReadiness: false,
      initialState: () => new WatchedMap(),
      evolve: async (state, recorded) => {
        const event = resourceEventCodec.decode(recorded);
        if (!event) return state;
        const resourceId = recorded.streamId.slice('resource-'.length);
        for (const fact of factsOf(state, resourceId, recorded.id, event)) await this.publish(fact);
        rememberResource(state, resourceId, event);
        return state;
      },
      // One entry per live resource, its LiveResource as it is (JSON already).
      checkpoint: {
        tables: (state) => ({ resources: state as WatchedMap<unknown> }),
        entryToJson: (_table, _key, live) => live,
        restoreEntry: (state, _table, resourceId, live) => state.set(resourceId, live as LiveResource),
      },
    };
  }

  private async publish(fact: IntegrationFact): Promise<void> {
    const h = headers();
    h.set('Pn-Schema', `pn.integration.v1.${fact.type}`);
    try {
      await this.js!.publish(integrationSubject(this.config.integrationSubjectPrefix, fact), toJsonString(SCHEMAS[fact.type], fact.data as never), {
        msgID: `${fact.data.sourceEventId}:${fact.type}`,
        headers: h,
      });
    } catch (error) {
      // The bus is down or slow: the same event is tried again, never parked.
      throw new RetryLater(`publishing ${fact.type}: ${String(error)}`, { cause: error });
    }
  }
}
