// What the dataplane bucket says, as this instance has heard it: where each
// network is placed (`placed.<network>`) and so which host each resource's
// record is under (`desired.<host>.<resource>`), what each host's agent
// reports of it (`status.<host>.<resource>`: only the report of the host the
// resource is placed on is believed, so one host cannot speak for another's
// resources) and each host's heartbeat (`host.<host>`). A resource's JSON
// shows its attachment; a create waits for it while its host runs; /healthz
// lists the hosts, or says there is no data plane.
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HostHeartbeat, ResourceAttachment } from '@pn/contracts';
import { BUS_CONNECTION, createDataplaneBucket, followKeys, GarbageBin, PLATFORM_CONFIG, readDataplaneEntry, type DataPlaneHealthSource, type PlatformConfig } from '@pn/service-kit';
import { hostAlive, type HostSeen } from './host-liveness.js';

export interface DataPlaneView {
  readonly host: string;
  readonly state: 'attached' | 'failed' | 'pending';
  readonly reason: string;
}

@Injectable()
export class DataPlaneStatus implements OnModuleInit, OnModuleDestroy, DataPlaneHealthSource {
  /** Reports, by `<host>.<resource>`. */
  private readonly attachments = new Map<string, ResourceAttachment>();
  private readonly hosts = new Map<string, HostSeen>();
  /** Network → its host, and how many networks each host holds. */
  private readonly placed = new Map<string, string>();
  private readonly networksOnHost = new Map<string, number>();
  /** Resource → the host its record is under, while it has one. */
  private readonly recordHost = new Map<string, string>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly hostListeners = new Set<(hostId: string) => void>();
  private readonly stops: Array<() => void> = [];
  private readonly logger = new Logger(DataPlaneStatus.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
    private readonly garbage: GarbageBin,
  ) {}

  private loading: Promise<void> | undefined;

  onModuleInit(): Promise<void> {
    return this.ready();
  }

  /** Resolves once every key the bucket held at the start has been read. */
  ready(): Promise<void> {
    this.loading ??= (async () => {
      const kv = await createDataplaneBucket(this.nc, this.config);
      // One watch of every key (one consumer, in the bucket's order), rather than one per kind:
      // each consumer is one more to be made again on another node when a NATS node is lost.
      await this.follow(kv, '>');
    })();
    return this.loading;
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
  }

  /** Called with a host's id whenever it starts to count as live (placements may wait for it). */
  onHostLive(listener: (hostId: string) => void): () => void {
    this.hostListeners.add(listener);
    return () => this.hostListeners.delete(listener);
  }

  /** The host a network is placed on. */
  networkHost(networkId: string): string | undefined {
    return this.placed.get(networkId);
  }

  networksOn(hostId: string): number {
    return this.networksOnHost.get(hostId) ?? 0;
  }

  /** The host a resource's record is under now, if it has one. */
  resourceHost(resourceId: string): string | undefined {
    return this.recordHost.get(resourceId);
  }

  /** What this instance has just written itself: known at once, not when its watch hears it. A placement never moves. */
  notePlaced(networkId: string, hostId: string): void {
    if (this.placed.has(networkId)) return;
    this.placed.set(networkId, hostId);
    this.networksOnHost.set(hostId, this.networksOn(hostId) + 1);
  }

  noteRecord(resourceId: string, hostId: string | undefined): void {
    if (hostId) this.recordHost.set(resourceId, hostId);
    else this.recordHost.delete(resourceId);
  }

  /** Hosts with a running agent (heard from within a few of its heartbeats). */
  liveHosts(now = Date.now()): Array<HostHeartbeat & { readonly seenMsAgo: number }> {
    return [...this.hosts.values()].filter((h) => hostAlive(h, now)).map((h) => ({ ...h.heartbeat, seenMsAgo: now - h.seenAt }));
  }

  health() {
    return { hosts: this.liveHosts().map((h) => ({ hostId: h.hostId, attached: h.attached, failed: h.failed, seenMsAgo: h.seenMsAgo })) };
  }

  /** Whether a host's agent runs (heard from lately). */
  hostLive(hostId: string, now = Date.now()): boolean {
    const seen = this.hosts.get(hostId);
    return seen !== undefined && hostAlive(seen, now);
  }

  /**
   * What a resource's JSON says of it: its host's report when that report is
   * of what the resource is now (`digest`, desiredDigest of its record);
   * pending while its host runs (or, not placed yet, while any host runs)
   * and has not made the latest change real yet; nothing without one.
   */
  viewOf(resourceId: string, digest: string | undefined): DataPlaneView | undefined {
    const host = this.recordHost.get(resourceId);
    const a = host === undefined ? undefined : this.attachments.get(`${host}.${resourceId}`);
    if (a && (digest === undefined || a.digest === digest)) return { host: a.hostId, state: a.state === 'failed' ? 'failed' : 'attached', reason: a.reason };
    if (!this.awaitsHost(host)) return undefined;
    return { host: host ?? '', state: 'pending', reason: '' };
  }

  /**
   * Resolves once the resource's host has made `digest` (desiredDigest of the
   * resource's record) real, or reported that it failed to; at once when no
   * agent runs that would; or after `timeoutMs` (the caller answers anyway:
   * its JSON shows where the data plane is).
   */
  async applied(resourceId: string, digest: string, timeoutMs: number): Promise<void> {
    const done = () => {
      const host = this.recordHost.get(resourceId);
      return (host !== undefined && this.attachments.get(`${host}.${resourceId}`)?.digest === digest) || !this.awaitsHost(host);
    };
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

  /** A resource's record waits on an agent: its host's, or while it is not placed, any. */
  private awaitsHost(host: string | undefined): boolean {
    return host === undefined ? this.liveHosts().length > 0 : this.hostLive(host);
  }

  private wake(resourceId: string): void {
    for (const done of [...(this.waiters.get(resourceId) ?? [])]) done();
  }

  private async follow(kv: KV, key: string): Promise<void> {
    const watch = await followKeys(kv, key, (entry) => this.apply(entry), (error) => this.logger.error(`watching ${key} stopped: ${String(error)}`));
    this.stops.push(() => watch.stop());
  }

  private apply(entry: KvWatchEntry): void {
    const read = readDataplaneEntry(entry);
    switch (read.type) {
      case 'garbage':
        this.garbage.park({ consumer: 'dataplane', subject: entry.key, stream: '', seq: entry.revision, reason: 'wrong_shape', detail: read.reason, bytes: entry.length });
        return;
      case 'host': {
        const wasLive = this.hostLive(read.hostId);
        // The server's time of the write: a heartbeat replayed from the bucket is as old as it is.
        if (read.value) this.hosts.set(read.hostId, { heartbeat: read.value, seenAt: Math.min(Date.now(), entry.created.getTime()) });
        else this.hosts.delete(read.hostId);
        if (!wasLive && this.hostLive(read.hostId)) for (const listener of this.hostListeners) listener(read.hostId);
        return;
      }
      case 'placed':
        // A placement is made once and never moved; its deletion (an operator's) is not followed.
        if (read.value) this.notePlaced(read.networkId, read.value.hostId);
        return;
      case 'desired':
        // A record's deletion under another host than the one known now is an old one.
        if (read.value) this.noteRecord(read.resourceId, read.hostId);
        else if (this.recordHost.get(read.resourceId) === read.hostId) this.noteRecord(read.resourceId, undefined);
        this.wake(read.resourceId);
        return;
      case 'status':
        if (read.value) this.attachments.set(`${read.hostId}.${read.resourceId}`, read.value);
        else this.attachments.delete(`${read.hostId}.${read.resourceId}`);
        this.wake(read.resourceId);
        return;
    }
  }
}
