// Flow capture: flow records published on `<FLOWS_SUBJECT_PREFIX>` (JSON, an
// object or an array) and `<FLOWS_SUBJECT_PREFIX>.vpc-v2` (VPC Flow Logs v2
// lines) are kept in the JetStream stream FLOWS_STREAM (work queue: a record
// leaves once billing has acknowledged it, and waits there while billing is
// down) and read by the durable consumer `billing-meter` with explicit acks.
//
// Exactly once: each flow is recorded as its own event-store stream,
// `meter-f<dedup key>`, appended only if absent (expected revision
// `no_stream`, checked by the store per stream). A flow seen again, whether
// redelivered after a crash between append and ack, replayed or published
// twice, finds its stream and is not counted again; this holds for as long
// as the history is kept, not a two-minute window. The message is acked only
// once every flow in it is recorded (or parked), so a crash loses nothing.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  billedPeriodOf,
  classify,
  dedupKey,
  NO_DATA,
  parseFlowJson,
  parseFlowMessage,
  parseVpcFlowLine,
  periodOf,
  type Classification,
  type Flow,
  type MeteredFlow,
  type Parsed,
} from '@pn/billing-domain';
import { WrongExpectedRevisionError, type EventStore } from '@pn/event-store';
import { EVENT_STORE, natsOptions, PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import { OwnershipFeed } from '../ownership/ownership-feed.js';
import { toMeteredEvent, toParkedEvent } from './flow-events.js';

export const METER_CONSUMER = 'billing-meter';
/** A message that failed this often for a reason that is not the bus is parked whole and terminated. */
const MAX_DELIVERIES = 20;
/** A flow may start at most this far in our future (clock skew); later is a lie, parked. */
const MAX_SKEW_MS = 5 * 60_000;
/** How long one flow may wait for ownership facts before its message is handed back (nak) for later. */
const OWNERSHIP_WAIT_MS = 5_000;
const RAW_LIMIT = 4096;

class NotYet extends Error {}

@Injectable()
export class FlowMeter implements OnModuleInit, OnApplicationShutdown {
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private probe: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Every flow that reached the bus before this instant is recorded (epoch ms). */
  meteredUpToMs = 0;
  readonly counts = { metered: 0, duplicates: 0, parked: 0 };
  private readonly logger = new Logger(FlowMeter.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ownership: OwnershipFeed,
  ) {}

  private get graceMs(): number {
    return this.config.billingGraceHours * 3_600_000;
  }

  async onModuleInit(): Promise<void> {
    const { flowsStream: stream, flowsSubjectPrefix: prefix } = this.config;
    this.nc = await connect(natsOptions(this.config, 'billing-meter'));
    const jsm = await jetstreamManager(this.nc);
    const exists = await jsm.streams.info(stream).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await jsm.streams.add({ name: stream, subjects: [prefix, `${prefix}.>`], retention: RetentionPolicy.Workqueue, num_replicas: this.config.eventStreamReplicas });
    }
    await jsm.consumers
      .add(stream, { durable_name: METER_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 15_000_000_000, max_ack_pending: 4096 })
      .catch(async (error) => {
        // Already there (another instance, or a restart): use it as it is.
        if (!(await jsm.consumers.info(stream, METER_CONSUMER).catch(() => undefined))) throw error;
      });
    const consumer = await jetstream(this.nc).consumers.get(stream, METER_CONSUMER);
    this.messages = await consumer.consume({ max_messages: 256 });
    void (async () => {
      for await (const m of this.messages!) {
        this.inFlight++;
        // Messages are handled side by side; each is acked on its own once done.
        void this.handle(m).finally(() => this.inFlight--);
        while (this.inFlight >= 128) await new Promise((r) => setTimeout(r, 1));
      }
    })().catch((error) => this.logger.error(`flow meter stopped: ${String(error)}`));
    this.probe = setInterval(async () => {
      const asked = Date.now();
      const info = await consumer.info().catch(() => undefined);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0 && this.inFlight === 0) this.meteredUpToMs = asked;
    }, 250);
    this.probe.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    this.messages?.stop();
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    if (this.nc && !this.nc.isClosed()) await this.nc.drain();
  }

  // ack_wait is 15 s: a message held by a killed instance is redelivered that soon; none is held longer (the ownership wait is 5 s).
  private async handle(m: JsMsg): Promise<void> {
    try {
      await this.meterMessage(m);
      m.ack();
    } catch (error) {
      if (error instanceof NotYet) {
        m.nak(1000);
        return;
      }
      this.logger.warn(`flow message ${m.seq} failed (delivery ${m.info.deliveryCount}): ${String(error)}`);
      if (m.info.deliveryCount >= MAX_DELIVERIES) {
        await this.park(m, 0, m.string().slice(0, RAW_LIMIT), `failed ${MAX_DELIVERIES} times: ${String(error)}`, '', '')
          .then(() => m.term())
          .catch(() => m.nak(5000));
      } else m.nak(Math.min(30_000, 250 * 2 ** m.info.deliveryCount));
    }
  }

  private async meterMessage(m: JsMsg): Promise<void> {
    const text = m.string();
    const arrivedAtMs = Math.floor(m.info.timestampNanos / 1_000_000);
    const records: Array<{ raw: string; parsed: Parsed<Flow> }> = [];
    if (m.subject === `${this.config.flowsSubjectPrefix}.vpc-v2`) {
      for (const line of text.split(/\r?\n/)) if (line.trim()) records.push({ raw: line, parsed: parseVpcFlowLine(line) });
    } else {
      const message = parseFlowMessage(text);
      if (!message.ok) records.push({ raw: text, parsed: message as Parsed<Flow> });
      else for (const element of message.value) records.push({ raw: JSON.stringify(element) ?? String(element), parsed: parseFlowJson(element) });
    }
    // Flows of one message in parallel; the message is acked only when all are recorded.
    await Promise.all(records.map((r, index) => this.meterRecord(m, index, r.raw, r.parsed, arrivedAtMs)));
  }

  private async meterRecord(m: JsMsg, index: number, raw: string, parsed: Parsed<Flow>, arrivedAtMs: number): Promise<void> {
    const claimedNetwork = /"network_id"\s*:\s*"(net_[0-9A-Za-z]{1,60})"/.exec(raw)?.[1] ?? '';
    if (!parsed.ok) {
      if (parsed.reason === NO_DATA) return;
      return this.park(m, index, raw, parsed.reason, claimedNetwork, '', arrivedAtMs);
    }
    const flow = parsed.value;
    const atMs = flow.start * 1000;
    if (atMs > arrivedAtMs + MAX_SKEW_MS) return this.park(m, index, raw, 'start is in the future', flow.networkId ?? '', '', arrivedAtMs);
    if (!(await this.ownership.currentAt(atMs, OWNERSHIP_WAIT_MS))) throw new NotYet();
    const timeline = this.ownership.timeline;
    let networkId = flow.networkId;
    if (flow.interfaceId !== undefined) {
      const resource = timeline.resource(flow.interfaceId);
      if (!resource) return this.park(m, index, raw, `interface-id ${flow.interfaceId} is no resource billing knows`, '', '', arrivedAtMs);
      if (resource.accountId !== flow.accountId) return this.park(m, index, raw, 'account-id does not own interface-id', '', '', arrivedAtMs);
      networkId = resource.networkId;
    }
    const owner = timeline.network(networkId!);
    if (!owner) return this.park(m, index, raw, `network ${networkId} is no network billing knows`, '', '', arrivedAtMs);
    let c: Classification = classify({ networkId: networkId!, srcIp: flow.srcIp, dstIp: flow.dstIp, atMs }, timeline);
    if (flow.refused) c = { class: 'rejected', reason: 'refused by the data plane (REJECT)', ...(flow.interfaceId ? { holder: timeline.resource(flow.interfaceId)! } : {}) };
    const period = periodOf(atMs);
    const key = dedupKey(flow, networkId!);
    const metered: MeteredFlow = {
      dedupKey: key,
      flowId: flow.flowId ?? '',
      networkId: networkId!,
      srcIp: flow.srcIp,
      srcPort: flow.srcPort,
      dstIp: flow.dstIp,
      dstPort: flow.dstPort,
      protocol: flow.protocol,
      bytes: flow.bytes,
      packets: flow.packets,
      start: flow.start,
      end: flow.end,
      class: c.class,
      reason: c.reason ?? '',
      // A rejected flow with no resource at either end is still the network's account's to see.
      accountId: c.holder?.accountId ?? owner.accountId,
      projectId: c.holder?.projectId ?? owner.projectId,
      resourceId: c.holder?.resourceId ?? '',
      resourceKind: c.holder?.kind ?? '',
      resourceName: c.holder?.name ?? '',
      targetResourceId: c.target?.resourceId ?? '',
      targetResourceName: c.target?.name ?? '',
      targetResourceKind: c.target?.kind ?? '',
      period,
      billedPeriod: billedPeriodOf(period, arrivedAtMs, this.graceMs),
      arrivedAtMs,
    };
    if (await this.appendOnce(`meter-f${key}`, toMeteredEvent(metered))) this.counts.metered++;
    else this.counts.duplicates++;
  }

  private async park(m: JsMsg, index: number, raw: string, reason: string, networkId: string, accountId: string, arrivedAtMs = Date.now()): Promise<void> {
    const account = accountId || (networkId ? (this.ownership.timeline.network(networkId)?.accountId ?? '') : '');
    const record = { subject: m.subject, raw: raw.slice(0, RAW_LIMIT), reason, networkId, accountId: account, arrivedAtMs, period: periodOf(arrivedAtMs) };
    // One stream per record position: parking the same record again (after a crash) is a no-op.
    const id = `meter-x${this.config.flowsStream.replace(/[^A-Za-z0-9_]/g, '_')}_${m.seq}_${index}`;
    if (await this.appendOnce(id, toParkedEvent(record))) {
      this.counts.parked++;
      this.logger.warn(`parked a flow record from ${m.subject} (message ${m.seq}, #${index}): ${reason}`);
    }
  }

  /** True when appended, false when the stream was there already (a duplicate). */
  private async appendOnce(streamId: string, event: { type: string; data: Uint8Array }): Promise<boolean> {
    try {
      await this.store.append(streamId, [event], 'no_stream');
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return false;
      throw error;
    }
  }
}
