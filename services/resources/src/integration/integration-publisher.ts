// Publishes the integration facts of resource events (address_held,
// address_hold_ended) on the bus, in the JetStream stream INTEGRATION_STREAM
// (history kept, like the event stream), so billing and others follow them
// without reading this service's private streams. It is a projection of the
// `resource` category: its checkpoint makes publication resume where it
// stopped, and each message's id (the source event's) lets JetStream drop a
// republished duplicate; consumers dedup on `source_event_id` beyond that.
//
// Its watermark: a few times a second, once it has published the facts of
// every `resource` event the store held when it asked (at `through_ms`), it
// says so on `<prefix>-watermark` with the stream's last sequence then
// (`seq`): a reader that has read every fact up to `seq` knows every fact of
// an event recorded before `through_ms` (billing waits for this before it
// classifies a flow of that time). Behind, it says nothing new.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { toJsonString } from '@bufbuild/protobuf';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { AddressHeldSchema, AddressHoldEndedSchema } from '@pn/contracts';
import { integrationWatermarkSubject } from '@pn/bus-access';
import type { EventStore } from '@pn/event-store';
import { RetryLater, type Projection, type ProjectionRunner } from '@pn/projection';
import { resourceEventCodec } from '@pn/resources-domain';
import { BUS_CONNECTION, ensureIntegrationStream, EVENT_STORE, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { WatchedMap } from '@pn/decider';
import { factsOf, rememberResource, type IntegrationFact, type LiveResource } from './address-facts.js';

/** The subject a fact is published on: `<prefix>.v1.<fact>.<network_id>`. */
export const integrationSubject = (prefix: string, fact: IntegrationFact) => `${prefix}.v1.${fact.subject}.${fact.data.networkId}`;

const SCHEMAS = { AddressHeld: AddressHeldSchema, AddressHoldEnded: AddressHoldEndedSchema } as const;

const WATERMARK_EVERY_MS = 250;

@Injectable()
export class IntegrationPublisher implements OnModuleInit, OnApplicationShutdown {
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private runner: ProjectionRunner<WatchedMap<LiveResource>> | undefined;
  private beat: NodeJS.Timeout | undefined;
  private announcing = false;
  /** The newest `resource` event seen, and when it was first seen. */
  private head: { position: bigint; seenAt: number } | undefined;
  private readonly logger = new Logger(IntegrationPublisher.name);

  constructor(
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.jsm = await ensureIntegrationStream(this.nc, this.config);
    this.js = jetstream(this.nc);
    // Not awaited: publishing what happened while this instance was down must not hold its start.
    this.projections.run(this.projection()).then(
      (runner) => (this.runner = runner),
      (error) => this.logger.error(`integration publisher stopped: ${String(error)}`),
    );
    this.beat = setInterval(() => void this.announce(), WATERMARK_EVERY_MS);
    this.beat.unref();
  }

  onApplicationShutdown(): void {
    if (this.beat) clearInterval(this.beat);
  }

  /** Says how far the facts are published (see the top of the file), when every event the store held at `asked` is. */
  private async announce(): Promise<void> {
    if (this.announcing || !this.runner || !this.jsm || this.nc.isClosed()) return;
    this.announcing = true;
    try {
      const asked = Date.now();
      const head = await this.store.head('resource');
      const status = this.runner.status(asked);
      if (head && head.position !== this.head?.position) this.head = { position: head.position, seenAt: asked };
      const applied = !head || BigInt(status.position) >= head.position;
      // A newest commit the runner never applies (unreadable, parked by the subscription) is passed once the runner
      // has had nothing pending for a beat since it was seen.
      const passed = !!this.head && status.lagMs === 0 && asked - this.head.seenAt >= WATERMARK_EVERY_MS;
      if (!status.caughtUp || !(applied || passed)) return;
      const { state } = await this.jsm.streams.info(this.config.integrationStream);
      this.nc.publish(integrationWatermarkSubject(this.config.integrationSubjectPrefix), JSON.stringify({ through_ms: asked, seq: state.last_seq }));
    } catch {
      // The store or the bus is away: no watermark, so readers wait (and say so) rather than read too early.
    } finally {
      this.announcing = false;
    }
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
