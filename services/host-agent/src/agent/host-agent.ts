// The agent: follows its host's desired state in the dataplane bucket (the
// keys under `desired.<host>`, all its credential may read), has the data
// plane make the host match it (at start a full resync; then on every change,
// coalesced; and every few seconds, which repairs drift), and reports each
// resource as attached or failed, only when that changes. Its heartbeat tells
// the platform a data plane runs on this host.
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { Logger } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { HostHeartbeatSchema, ResourceAttachmentSchema, type ResourceDesired } from '@pn/contracts';
import type { DesiredHost, DesiredNetwork, ResourceStatus } from '@pn/dataplane-linux';
import { dataplaneKeys, desiredDigest, encodeAttachment, encodeHeartbeat, followKeys, readDataplaneEntry, type GarbageBin } from '@pn/service-kit';
import { CoalescingLoop } from './coalescing-loop.js';
import { planHost } from './desired-host.js';

/** What the agent needs of the data plane (the Linux one, @pn/dataplane-linux). */
export interface DataPlanePort {
  reconcile(desired: DesiredHost): Promise<readonly ResourceStatus[]>;
  /** Changes found between reconciles (a workload that died, drift repaired). */
  onStatus(listener: (status: ResourceStatus) => void): () => void;
}

export interface HostAgentOptions {
  readonly hostId: string;
  /** How often the whole host is checked against the desired state (drift repair). */
  readonly resyncEveryMs: number;
  readonly heartbeatEveryMs: number;
}

export interface AgentHealth {
  readonly synced: boolean;
  readonly desired: number;
  readonly attached: number;
  readonly failed: number;
  readonly lastReconcile?: { readonly at: string; readonly ms: number; readonly error?: string };
}

export class HostAgent {
  private readonly records = new Map<string, ResourceDesired>();
  /** What the bucket says of each resource this host reported, `state|reason|digest`. */
  private readonly reported = new Map<string, string>();
  private readonly loop: CoalescingLoop;
  private readonly logger = new Logger('HostAgent');
  private readonly startedAt = timestampNow();
  private heartbeat: NodeJS.Timeout | undefined;
  private watch: { stop(): void } | undefined;
  private synced = false;
  private unsubscribe: (() => void) | undefined;
  private last: AgentHealth['lastReconcile'];
  private beforeReport: (() => Promise<void>) | undefined;

  constructor(
    private readonly kv: KV,
    private readonly plane: DataPlanePort,
    private readonly garbage: GarbageBin,
    private readonly options: HostAgentOptions,
  ) {
    this.loop = new CoalescingLoop(() => this.reconcile(), options.resyncEveryMs);
  }

  /** Awaited after each reconcile, before its reports are written (the flow meter then follows every new network). */
  beforeReporting(hook: () => Promise<void>): void {
    this.beforeReport = hook;
  }

  /** Resolves once the whole desired state has been read and made real once (the start's full resync). */
  async start(): Promise<void> {
    await this.learnEarlierReports();
    await this.followDesired();
    this.synced = true;
    this.unsubscribe = this.plane.onStatus((status) => void this.write([status]).catch((error: unknown) => this.logger.warn(`report not written: ${String(error)}`)));
    this.loop.start();
    await this.loop.request();
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatEveryMs);
  }

  /** Stops following and reporting; the kernel state stays (VMs keep their traffic while no agent runs). */
  async stop(): Promise<void> {
    this.watch?.stop();
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.loop.stop();
    // Gone at once rather than in a few heartbeats: creates stop waiting for this host.
    await this.kv.delete(dataplaneKeys.host(this.options.hostId)).catch(() => undefined);
  }

  /** The networks this host has now (those of the resources it attaches). */
  networks(): readonly DesiredNetwork[] {
    return planHost(this.records.values()).desired.networks;
  }

  health(): AgentHealth {
    const states = [...this.reported.values()].map((v) => v.split('|')[0]);
    return {
      synced: this.synced,
      desired: this.records.size,
      attached: states.filter((s) => s === 'attached').length,
      failed: states.filter((s) => s === 'failed').length,
      ...(this.last ? { lastReconcile: this.last } : {}),
    };
  }

  private async reconcile(): Promise<void> {
    const started = performance.now();
    const { desired, rejected } = planHost(this.records.values());
    try {
      const statuses = await this.plane.reconcile(desired);
      await this.beforeReport?.();
      await this.write([...statuses, ...rejected.map((r): ResourceStatus => ({ resourceId: r.resourceId, state: 'failed', reason: r.reason }))]);
      await this.takeBackGone();
      this.last = { at: new Date().toISOString(), ms: Math.round(performance.now() - started) };
    } catch (error) {
      this.last = { at: new Date().toISOString(), ms: Math.round(performance.now() - started), error: String(error) };
      this.logger.error(`reconcile failed (tried again in ${this.options.resyncEveryMs} ms or at the next change): ${String(error)}`);
    }
  }

  /** Writes what changed since the last report. */
  private async write(statuses: readonly ResourceStatus[]): Promise<void> {
    for (const s of statuses) {
      const record = this.records.get(s.resourceId);
      if (!record) continue; // deleted while the data plane was working: its report would outlive it
      const digest = desiredDigest(record);
      const line = `${s.state}|${s.reason ?? ''}|${digest}`;
      if (this.reported.get(s.resourceId) === line) continue;
      const value = create(ResourceAttachmentSchema, {
        resourceId: s.resourceId,
        hostId: this.options.hostId,
        state: s.state,
        reason: s.reason ?? '',
        revision: record.revision,
        digest,
        at: timestampNow(),
      });
      await this.kv.put(dataplaneKeys.status(this.options.hostId, s.resourceId), encodeAttachment(value));
      this.reported.set(s.resourceId, line);
      if (s.state === 'failed') this.logger.warn(`${s.resourceId} failed: ${s.reason}`);
    }
  }

  /** Reports of resources no longer desired go with them. */
  private async takeBackGone(): Promise<void> {
    for (const id of [...this.reported.keys()]) {
      if (this.records.has(id)) continue;
      await this.kv.delete(dataplaneKeys.status(this.options.hostId, id));
      this.reported.delete(id);
    }
  }

  private async beat(): Promise<void> {
    const { attached, failed } = this.health();
    const value = create(HostHeartbeatSchema, { hostId: this.options.hostId, startedAt: this.startedAt, at: timestampNow(), attached, failed, everyMs: this.options.heartbeatEveryMs });
    await this.kv.put(dataplaneKeys.host(this.options.hostId), encodeHeartbeat(value)).catch((error: unknown) => this.logger.warn(`heartbeat not written: ${String(error)}`));
  }

  /** This host's reports from before a restart: those of resources gone meanwhile are taken back at the first reconcile. */
  private async learnEarlierReports(): Promise<void> {
    for await (const key of await this.kv.keys(dataplaneKeys.statusOf(this.options.hostId))) {
      const entry = await this.kv.get(key);
      const read = entry ? readDataplaneEntry(entry) : undefined;
      if (read?.type === 'status' && read.value) {
        this.reported.set(read.resourceId, `${read.value.state}|${read.value.reason}|${read.value.digest}`);
      }
    }
  }

  /** Follows this host's desired state; resolves once the values there at the start have all been read. */
  private async followDesired(): Promise<void> {
    const apply = (entry: KvWatchEntry) => {
      this.apply(entry);
      if (this.synced) void this.loop.request();
    };
    this.watch = await followKeys(this.kv, dataplaneKeys.desiredOf(this.options.hostId), apply, (error) => this.logger.error(`following the desired state stopped: ${String(error)}`));
  }

  private apply(entry: KvWatchEntry): void {
    const read = readDataplaneEntry(entry);
    if (read.type !== 'desired' || read.hostId !== this.options.hostId) {
      const reason = read.type === 'garbage' ? read.reason : `a ${read.type} record of another host under ${dataplaneKeys.desiredOf(this.options.hostId)}`;
      this.garbage.park({ consumer: 'dataplane', subject: entry.key, stream: '', seq: entry.revision, reason: 'wrong_shape', detail: reason, bytes: entry.length });
      return;
    }
    if (read.value) this.records.set(read.resourceId, read.value);
    else this.records.delete(read.resourceId);
  }
}
