// What the host agents report, as this instance has heard it: each
// resource's attachment (the `status.<resource>` keys of the dataplane
// bucket) and each host's heartbeat (`host.<host>`). A resource's JSON shows
// its attachment; a create waits for it while an agent runs; /healthz lists
// the hosts, or says there is no data plane.
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HostHeartbeat, ResourceAttachment } from '@pn/contracts';
import { BUS_CONNECTION, createDataplaneBucket, GarbageBin, PLATFORM_CONFIG, readDataplaneEntry, type DataPlaneHealthSource, type PlatformConfig } from '@pn/service-kit';
import { hostAlive, type HostSeen } from './host-liveness.js';

export interface DataPlaneView {
  readonly host: string;
  readonly state: 'attached' | 'failed' | 'pending';
  readonly reason: string;
}

@Injectable()
export class DataPlaneStatus implements OnModuleInit, OnModuleDestroy, DataPlaneHealthSource {
  private readonly attachments = new Map<string, ResourceAttachment>();
  private readonly hosts = new Map<string, HostSeen>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly stops: Array<() => void> = [];
  private readonly logger = new Logger(DataPlaneStatus.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
  ) {}

  async onModuleInit(): Promise<void> {
    const kv = await createDataplaneBucket(this.nc, this.config);
    // NATS 2.9 watches one filter at a time: one watch per kind of key.
    await Promise.all([this.follow(kv, 'status.>'), this.follow(kv, 'host.>')]);
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
  }

  /** Hosts with a running agent (heard from within a few of its heartbeats). */
  liveHosts(now = Date.now()): Array<HostHeartbeat & { readonly seenMsAgo: number }> {
    return [...this.hosts.values()].filter((h) => hostAlive(h, now)).map((h) => ({ ...h.heartbeat, seenMsAgo: now - h.seenAt }));
  }

  health() {
    return { hosts: this.liveHosts().map((h) => ({ hostId: h.hostId, attached: h.attached, failed: h.failed, seenMsAgo: h.seenMsAgo })) };
  }

  /**
   * What a resource's JSON says of it: its agent's report when that report is
   * of what the resource is now (`digest`, desiredDigest of its record);
   * pending while an agent runs and has not made the latest change real yet;
   * nothing without agents.
   */
  viewOf(resourceId: string, digest: string | undefined): DataPlaneView | undefined {
    const a = this.attachments.get(resourceId);
    if (a && (digest === undefined || a.digest === digest)) return { host: a.hostId, state: a.state === 'failed' ? 'failed' : 'attached', reason: a.reason };
    if (this.liveHosts().length === 0) return undefined;
    return { host: a?.hostId ?? '', state: 'pending', reason: '' };
  }

  /**
   * Resolves once an agent has made `digest` (desiredDigest of the resource's
   * record) real, or reported that it failed to; at once when no agent runs;
   * or after `timeoutMs` (the caller answers anyway: its JSON shows where the
   * data plane is).
   */
  async applied(resourceId: string, digest: string, timeoutMs: number): Promise<void> {
    const done = () => this.attachments.get(resourceId)?.digest === digest || this.liveHosts().length === 0;
    if (done()) return;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        const set = this.waiters.get(resourceId);
        set?.delete(check);
        if (set?.size === 0) this.waiters.delete(resourceId);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      let set = this.waiters.get(resourceId);
      if (!set) this.waiters.set(resourceId, (set = new Set()));
      set.add(check);
    });
  }

  private async follow(kv: KV, key: string): Promise<void> {
    const watch = await kv.watch({ key });
    this.stops.push(() => watch.stop());
    void (async () => {
      for await (const entry of watch) this.apply(entry);
    })().catch((error: unknown) => this.logger.error(`watching ${key} stopped: ${String(error)}`));
  }

  private apply(entry: KvWatchEntry): void {
    const read = readDataplaneEntry(entry);
    if (read.type === 'garbage') {
      this.garbage.park({ consumer: 'dataplane', subject: entry.key, stream: '', seq: entry.revision, reason: 'wrong_shape', detail: read.reason, bytes: entry.length });
      return;
    }
    if (read.type === 'host') {
      // The server's time of the write: a heartbeat replayed from the bucket is as old as it is.
      if (read.value) this.hosts.set(read.hostId, { heartbeat: read.value, seenAt: Math.min(Date.now(), entry.created.getTime()) });
      else this.hosts.delete(read.hostId);
      return;
    }
    if (read.type !== 'status') return;
    if (!read.value) return void this.attachments.delete(read.resourceId);
    this.attachments.set(read.resourceId, read.value);
    for (const done of [...(this.waiters.get(read.resourceId) ?? [])]) done();
  }
}
