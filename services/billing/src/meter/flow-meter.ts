// Flow capture: flow records published on `<FLOWS_SUBJECT_PREFIX>` (JSON, an
// object or an array) and `<FLOWS_SUBJECT_PREFIX>.vpc-v2` (VPC Flow Logs v2
// lines) are kept in the JetStream stream FLOWS_STREAM (work queue: a record
// leaves once billing has acknowledged it, and waits there while billing is
// down) and read by the durable consumer `billing-meter` with explicit acks.
//
// Exactly once: the flows of a message are metered as one batch per meter
// partition (`meter-p<hash(network) mod BILLING_PARTITIONS>`; batches of
// several messages that wait for the same partition are merged): the partition
// decider (libs/billing/domain, meter-partition.ts) keeps the dedup keys of
// the open invoices and records the batch's new keys and summed bytes in one
// event, appended through the CommandHandler at the partition's expected
// revision. A message redelivered after a crash between append and ack, or
// the same flows published twice, or another billing instance racing for the
// same partition, is decided again on the newest keys and counts once. The
// message is acked only once every partition's batch (and every parked
// record) is recorded, so a crash loses nothing.
//
// A message that is not flows at all (binary, not JSON; read-records.ts) is
// parked in the service's garbage bin and acked: it has no flow, and no
// account, to park in the meter's streams.
//
// A host agent publishes on its own host's subject (`<prefix>.host.<host>`):
// its records count only for networks placed on that host and under that
// host's flow ids (checkPublisherHost); others are parked. A record whose
// network's placement is not known yet waits like one whose ownership facts
// are not (BILLING_OWNERSHIP_WAIT_SECONDS), then is parked.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import { batchesToTake, BUS_PAYLOAD_LIMIT, checkPublisherHost, eventBytesOf, meterFlow, meterPartitionDecider, parkedEventBytesOf, parkedKey, partitionOf, partitionStateJson, periodOf, type Flow, type MeterBatch, type MeteredFlow, type ParkedFlow, type PartitionEvent, type PartitionState } from '@pn/billing-domain';
import { CommandHandler } from '@pn/command-handler';
import { ensureReplicas, isJetStreamUnavailable, LIVELY_PULL, runConsumerLoop, untilJetStreamAvailable, type EventStore, type ConsumerLoop, type SnapshotStore } from '@pn/event-store';
import { publisherHostOf } from '@pn/bus-access';
import { EVENT_STORE, GarbageBin, BUS_CONNECTION, PLATFORM_CONFIG, SNAPSHOT_STORE, type PlatformConfig } from '@pn/service-kit';
import { OwnershipFeed } from '../ownership/ownership-feed.js';
import { partitionEventCodec } from './flow-events.js';
import { Placements } from './placements.js';
import { MonthCloser } from './month-closer.js';
import { billingClock, meterOptions } from './meter-options.js';
import { appendTaken, type WaitingBatch } from './merged-append.js';
import { claimedNetwork, NO_DATA, rawOf, readRecords } from './read-records.js';

export const METER_CONSUMER = 'billing-meter';
/** A message that failed this often for a reason that is not the bus is parked whole and terminated. */
const MAX_DELIVERIES = 20;
/** A flow may start at most this far in our future (clock skew); later is a lie, parked. */
const MAX_SKEW_MS = 5 * 60_000;
/** How long one delivery may wait for ownership facts before it is handed back (nak) for later (BILLING_OWNERSHIP_WAIT_SECONDS bounds the whole wait). */
const OWNERSHIP_WAIT_MS = 5_000;
const RAW_LIMIT = 4096;
/** What one pull may bring (a message is at most the bus's 1 MB payload): enough to keep merging batches. */
const PULL_BYTES = 8 * 1024 * 1024;

/**
 * Batches are merged into one partition append while its commit (the event's
 * keys, usage rows and rejected flows, base64 in JSON; meter-append-size.ts)
 * is estimated within this, well under the bus's payload limit.
 */
const MERGED_COMMIT_BYTES = Math.floor(BUS_PAYLOAD_LIMIT * 0.75);

class NotYet extends Error {}

interface PartitionQueue {
  readonly waiting: WaitingBatch[];
  draining: boolean;
}

@Injectable()
export class FlowMeter implements OnModuleInit, OnApplicationShutdown {
  private loop: ConsumerLoop | undefined;
  private inFlight = 0;
  private stopping = false;
  /** Since start, and (waitingForOwnership) messages waiting for the ownership record now. */
  readonly counts = { metered: 0, duplicates: 0, parked: 0, waitingForOwnership: 0 };
  private readonly logger = new Logger(FlowMeter.name);
  private readonly options = meterOptions();
  private readonly partitions = this.options.partitions;
  /** Billing's clock (shifted in tests: meter-options.ts). */
  readonly now = billingClock(this.options);
  private readonly meter: CommandHandler<MeterBatch, PartitionEvent, PartitionState>;
  /** Per partition: batches waiting for its append (see meterInPartition). */
  private readonly queues = new Map<number, PartitionQueue>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    // The instance's one bus connection (drained by its owner, EventStoreModule).
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    private readonly ownership: OwnershipFeed,
    private readonly garbage: GarbageBin,
    private readonly months: MonthCloser,
    private readonly placements: Placements,
  ) {
    this.meter = new CommandHandler(store, meterPartitionDecider, partitionEventCodec, {
      // Each partition's keys stay in memory: a batch is decided without reading its stream first
      // (the expected revision still catches another instance's append).
      cacheState: true,
      maxCachedStreams: this.partitions,
      // Snapshots, so a restart or another instance folds only the batches since the last one.
      snapshots: { store: snapshots, every: Math.max(config.snapshotEvery, 1), schema: 'billing.meter-partition.v1', ...partitionStateJson },
    });
  }

  private get graceMs(): number {
    return this.config.billingGraceHours * 3_600_000;
  }

  async onModuleInit(): Promise<void> {
    const { flowsStream: stream, flowsSubjectPrefix: prefix } = this.config;
    const nc = this.nc;
    // Each step waits while a cluster elects its leaders, rather than failing the service's start.
    const jsm = await untilJetStreamAvailable('JetStream API', () => jetstreamManager(nc));
    const replicas = this.config.eventStreamReplicas;
    await untilJetStreamAvailable(`stream ${stream}`, async () => {
      const exists = await jsm.streams.info(stream).then(
        () => true,
        (error) => {
          if (isJetStreamUnavailable(error)) throw error;
          return false;
        },
      );
      if (!exists) await jsm.streams.add({ name: stream, subjects: [prefix, `${prefix}.>`], retention: RetentionPolicy.Workqueue, num_replicas: replicas });
      else await ensureReplicas(jsm, stream, replicas);
    });
    // The consumer as many times as its stream: an R1 consumer would stop metering with its node.
    const config = { durable_name: METER_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 15_000_000_000, max_ack_pending: 4096, num_replicas: replicas };
    await untilJetStreamAvailable(`consumer ${METER_CONSUMER}`, () =>
      jsm.consumers.add(stream, config).catch(async (error) => {
        // Already there (another instance, or a restart): use it as it is.
        if (!(await jsm.consumers.info(stream, METER_CONSUMER).catch(() => undefined))) throw error;
      }),
    );
    const consumer = await untilJetStreamAvailable(`consumer ${METER_CONSUMER}`, () => jetstream(nc).consumers.get(stream, METER_CONSUMER));
    this.loop = this.consume(consumer);
  }

  /**
   * Pulls for as long as the service runs. A pull that fails or goes silent
   * (the consumer's leader died and its heartbeats stopped) is started again
   * (consumer-loop.ts in @pn/event-store): the durable consumer is R3, so its
   * new leader carries on, and what was delivered and not acked comes again
   * after ack_wait (metering dedups it).
   */
  private consume(consumer: Consumer): ConsumerLoop {
    return runConsumerLoop({
      what: `consumer ${METER_CONSUMER}`,
      stopped: () => this.stopping || this.nc.isClosed(),
      // Pulled by size, and by count too: @nats-io/jetstream 3.4 also caps a pull set by max_bytes at 100 messages (it
      // takes max_messages or max_bytes, never both). 256 messages of a thousand flows each (~40 MB, and more once the
      // client pulls again at 75%) left the server holding more than its 64 MB for this connection whenever billing
      // was busy, and it dropped them as a slow consumer's (redelivered only after ack_wait: stalls of seconds in the
      // benchmark). Now a pull ends at 8 MB or 100 messages, whichever comes first.
      open: () => consumer.consume({ max_bytes: PULL_BYTES, ...LIVELY_PULL }),
      handle: async (m) => {
        this.inFlight++;
        // Messages are handled side by side; each is acked on its own once done.
        void this.handle(m).finally(() => this.inFlight--);
        while (this.inFlight >= 128) await new Promise((r) => setTimeout(r, 1));
      },
      pause: () => new Promise((r) => setTimeout(r, 500)),
      log: (message) => this.logger.warn(message),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.loop?.stop();
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
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
    const arrivedAtMs = Math.floor(m.info.timestampNanos / 1_000_000) + this.options.clockOffsetMs;
    const read = readRecords(m.data, m.subject === `${this.config.flowsSubjectPrefix}.vpc-v2`);
    if (!read.ok) {
      this.garbage.park({ consumer: 'flows', subject: m.subject, stream: m.info.stream, seq: m.seq, reason: read.reason, detail: read.detail, bytes: m.data.byteLength });
      return;
    }
    const records = read.value;
    const publisher = publisherHostOf(this.config.flowsSubjectPrefix, m.subject);
    const waited = this.now() - arrivedAtMs >= this.options.ownershipWaitMs;
    const parks: Array<Promise<void>> = [];
    const valid: Array<{ index: number; flow: Flow }> = [];
    let unplaced = false;
    let latestMs = 0;
    records.forEach((r, index) => {
      if (!r.parsed.ok) {
        if (r.parsed.reason === NO_DATA) return;
        const raw = rawOf(r);
        parks.push(this.park(m, index, raw, r.parsed.reason, claimedNetwork(raw), '', arrivedAtMs));
        return;
      }
      const flow = r.parsed.value;
      const atMs = flow.start * 1000;
      const host = publisher === undefined ? ({ ok: true } as const) : checkPublisherHost(flow, publisher, this.placements.hostOf(flow.networkId ?? ''));
      if (atMs > arrivedAtMs + MAX_SKEW_MS) parks.push(this.park(m, index, rawOf(r), 'start is in the future', flow.networkId ?? '', '', arrivedAtMs));
      else if (!host.ok && !host.wait) parks.push(this.park(m, index, rawOf(r), host.reason, flow.networkId ?? '', '', arrivedAtMs));
      else if (!host.ok && waited) parks.push(this.park(m, index, rawOf(r), `the host its network is placed on was not known after ${this.options.ownershipWaitMs / 1000} s`, flow.networkId ?? '', '', arrivedAtMs));
      else {
        if (!host.ok) {
          unplaced = true;
          this.placements.waitFor(flow.networkId ?? '');
        }
        valid.push({ index, flow });
        latestMs = Math.max(latestMs, atMs);
      }
    });
    // Its network's host not known yet: the whole message is asked again later (its parks are recorded once).
    if (unplaced) {
      await Promise.all(parks);
      throw new NotYet();
    }
    // One wait for the whole message: ownership complete up to its latest flow covers every earlier one.
    if (valid.length > 0 && !(await this.ownershipComplete(latestMs))) {
      if (this.now() - arrivedAtMs < this.options.ownershipWaitMs) {
        await Promise.all(parks);
        throw new NotYet();
      }
      // Waited its bound: parked where its account sees it, never classified against a record that may lack its facts.
      const reason = `the ownership facts of its time were not complete after ${this.options.ownershipWaitMs / 1000} s`;
      for (const { index, flow } of valid) parks.push(this.park(m, index, rawOf(records[index]!), reason, flow.networkId ?? '', '', arrivedAtMs));
      await Promise.all(parks);
      return;
    }
    const timeline = this.ownership.timeline;
    const byPartition = new Map<number, MeteredFlow[]>();
    const periods = new Map<number, [string, string, string]>();
    for (const { index, flow } of valid) {
      const metered = meterFlow(flow, timeline, arrivedAtMs, this.graceMs, periods);
      if (!metered.ok) {
        parks.push(this.park(m, index, rawOf(records[index]!), metered.reason, '', '', arrivedAtMs));
        continue;
      }
      const p = partitionOf(metered.value.networkId, this.partitions);
      let batch = byPartition.get(p);
      if (!batch) byPartition.set(p, (batch = []));
      batch.push(metered.value);
    }
    const appended = [...byPartition].map(([p, flows]) => this.meterInPartition(p, flows));
    await Promise.all([...parks, ...appended]);
  }

  /** Waits (up to OWNERSHIP_WAIT_MS) for the ownership record to be complete for `atMs`, counted while it waits. */
  private async ownershipComplete(atMs: number): Promise<boolean> {
    this.counts.waitingForOwnership++;
    try {
      return await this.ownership.currentAt(atMs, OWNERSHIP_WAIT_MS);
    } finally {
      this.counts.waitingForOwnership--;
    }
  }

  /**
   * Resolves once the flows are recorded in their partition. Batches that
   * arrive while the partition's append is under way wait, and are then
   * decided and appended together: one decide over all their flows, one
   * event, one append (its commit up to MERGED_COMMIT_BYTES; see merged-append.ts). Each message is still acked
   * only after the append that holds its flows, so a crash between the two
   * redelivers them, and the partition's keys count them once.
   */
  private meterInPartition(p: number, flows: MeteredFlow[], parked: ParkedFlow[] = []): Promise<void> {
    let queue = this.queues.get(p);
    if (!queue) this.queues.set(p, (queue = { waiting: [], draining: false }));
    const bytes = eventBytesOf(flows) + parkedEventBytesOf(parked);
    const done = new Promise<void>((resolve, reject) => queue.waiting.push({ flows, parked, bytes, resolve, reject }));
    if (!queue.draining) void this.drain(p, queue);
    return done;
  }

  private async drain(p: number, queue: PartitionQueue): Promise<void> {
    queue.draining = true;
    while (queue.waiting.length > 0) {
      const batches = queue.waiting.splice(0, batchesToTake(queue.waiting.map((b) => b.bytes), MERGED_COMMIT_BYTES));
      await appendTaken(batches, (flows, parked) => this.appendFlows(p, flows, parked), MERGED_COMMIT_BYTES);
    }
    queue.draining = false;
  }

  private async appendFlows(p: number, flows: MeteredFlow[], parked: ParkedFlow[]): Promise<void> {
    // The months recorded closed (month-closer.ts): their keys go with this batch.
    const { newEvents } = await this.meter.handle(`meter-p${p}`, { flows, parked, finalThrough: this.months.finalThrough });
    const keysOf = (type: PartitionEvent['type']) => newEvents.reduce((n, e) => (e.type === type ? n + [...e.keys.values()].reduce((k, keys) => k + keys.length, 0) : n), 0);
    const counted = keysOf('FlowsMetered');
    this.counts.metered += counted;
    this.counts.duplicates += flows.length - counted;
    this.counts.parked += keysOf('RecordsParked');
  }

  /**
   * Parks a record in its network's partition, with the next batch there
   * (parked-records.ts): counted once by where it was on the bus, its text
   * kept only while the network's month has room in its sample.
   */
  private park(m: JsMsg, index: number, raw: string, reason: string, networkId: string, accountId: string, arrivedAtMs = this.now()): Promise<void> {
    const account = accountId || (networkId ? (this.ownership.timeline.network(networkId)?.accountId ?? '') : '');
    const record = { subject: m.subject, raw: raw.slice(0, RAW_LIMIT), reason, networkId, accountId: account, arrivedAtMs, period: periodOf(arrivedAtMs), dedupKey: parkedKey(m.info.stream, m.seq, index) };
    return this.meterInPartition(partitionOf(networkId, this.partitions), [], [record]);
  }
}
