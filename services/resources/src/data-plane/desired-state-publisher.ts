// Keeps the data plane's desired state (the `desired.<host>.<resource>` keys
// of the dataplane bucket) equal to what the resources are: a projection of the
// `resource` category that, for an event that can change what a host must
// make real, reads the resource as it is now and writes its record, or
// deletes it. Reading the resource (rather than folding events here) keeps
// this projection's state empty — nothing to checkpoint but its position —
// and makes a late or replayed event write the newest record, never an old
// one. Instances race only to write the same thing; a compare-and-set on the
// record's revision keeps an older record from overwriting a newer one.
// A record goes under its network's host (placement-rule.ts), placed here the
// first time a resource of the network needs one; while no host runs it waits
// unwritten, and the resources waiting are written when a host comes.
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { NetworkPlacementSchema } from '@pn/contracts';
import { RetryLater, wholeState, type Projection } from '@pn/projection';
import { changesDesired, desiredOf, resourceStreamId, type ResourceState } from '@pn/resources-domain';
import { BUS_CONNECTION, createDataplaneBucket, dataplaneKeys, encodeDesired, encodePlacement, isWrongLastSequence, PLATFORM_CONFIG, Projections, readDataplaneEntry, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { DataPlaneStatus } from './data-plane-status.js';
import { chooseHost } from './placement-rule.js';

@Injectable()
export class DesiredStatePublisher implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private bucket: Promise<KV> | undefined;
  private readonly logger = new Logger(DesiredStatePublisher.name);
  /** One sweep at a time, and one more after it when a host came meanwhile. */
  private sweeping: Promise<void> | undefined;
  private sweepAgain = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly projections: Projections,
    private readonly provisioner: Provisioner,
    private readonly directory: ResourceDirectory,
    private readonly status: DataPlaneStatus,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.kv();
    // Placements and records already made are known before any is written.
    await this.status.ready();
    this.projections.run(this.projection()).catch((error) => this.logger.error(`desired state publisher stopped: ${String(error)}`));
  }

  /** Once the directory is loaded: resources that waited for a host while none ran, and whenever one comes. */
  onApplicationBootstrap(): void {
    this.stopListening = this.status.onHostLive(() => this.placeWaiting());
    this.placeWaiting();
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  private projection(): Projection<null> {
    return {
      name: 'resources.dataplane-desired.v1',
      category: 'resource',
      gatesReadiness: false,
      initialState: () => null,
      evolve: async (state, recorded) => {
        if (!changesDesired(recorded.type)) return state;
        const resourceId = recorded.streamId.slice('resource-'.length);
        const { state: now, revision } = await this.provisioner.resources.load(resourceStreamId(resourceId));
        await this.write(resourceId, now, revision);
        return state;
      },
      checkpoint: wholeState(
        () => null,
        () => null,
      ),
    };
  }

  /** Writes the record of `state` (at stream revision `revision`) unless a newer one is there; nothing while it has no host. */
  async write(resourceId: string, state: ResourceState, revision: number): Promise<void> {
    const kv = await this.kv();
    const wanted = desiredOf(state, revision);
    const host = wanted ? await this.hostFor(kv, wanted.networkId) : this.status.resourceHost(resourceId);
    if (host === undefined) return;
    const key = dataplaneKeys.desired(host, resourceId);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const entry = await kv.get(key);
        const read = entry ? readDataplaneEntry(entry) : undefined;
        const there = read?.type === 'desired' ? read.value : undefined;
        // What is there was written from this revision or a later one: it stands.
        if (there && there.revision >= BigInt(revision)) return;
        try {
          if (wanted) {
            if (entry && entry.operation === 'PUT') await kv.update(key, encodeDesired(wanted), entry.revision);
            else await kv.create(key, encodeDesired(wanted));
          } else if (entry && entry.operation === 'PUT') {
            await kv.delete(key, { previousSeq: entry.revision });
          }
          this.status.noteRecord(resourceId, wanted ? host : undefined);
          return;
        } catch (error) {
          if (!isWrongLastSequence(error)) throw error; // someone wrote meanwhile: read again
        }
      }
      throw new Error('the record kept changing under three attempts');
    } catch (error) {
      throw new RetryLater(`writing the desired state of ${resourceId}: ${String(error)}`, { cause: error });
    }
  }

  /** The network's host: where it was placed, else (placed now) the host the rule chooses; undefined while none runs. */
  private async hostFor(kv: KV, networkId: string): Promise<string | undefined> {
    const placed = this.status.networkHost(networkId);
    if (placed !== undefined) return placed;
    const liveHosts = this.status.liveHosts().map((h) => h.hostId);
    const chosen = chooseHost({ liveHosts, networksOn: (h) => this.status.networksOn(h) });
    if (chosen === undefined) return undefined;
    const key = dataplaneKeys.placed(networkId);
    try {
      await kv.create(key, encodePlacement(create(NetworkPlacementSchema, { networkId, hostId: chosen, at: timestampNow() })));
      this.status.notePlaced(networkId, chosen);
      this.logger.log(`network ${networkId} placed on host ${chosen}`);
      return chosen;
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
      // Another instance placed it first: its choice stands.
      const entry = await kv.get(key);
      const read = entry ? readDataplaneEntry(entry) : undefined;
      if (read?.type !== 'placed' || !read.value) throw new Error(`the placement of ${networkId} cannot be read`, { cause: error });
      this.status.notePlaced(networkId, read.value.hostId);
      return read.value.hostId;
    }
  }

  /**
   * Writes the records of resources that have none: those that waited for a
   * host (a network placed meanwhile by another of its resources included),
   * and those with nothing to make, which write nothing again.
   */
  private placeWaiting(): void {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        // Without a host nothing can be placed: the next host to come sweeps.
        if (this.status.liveHosts().length === 0) return;
        for (const networkId of this.directory.networkIds()) {
          for (const facts of this.directory.inNetwork(networkId)) {
            const resourceId = facts.request.resourceId;
            if (this.status.resourceHost(resourceId) !== undefined) continue;
            const { state, revision } = await this.provisioner.resources.load(resourceStreamId(resourceId));
            await this.write(resourceId, state, revision);
          }
        }
      } while (this.sweepAgain);
    })()
      .catch((error: unknown) => this.logger.error(`placing resources that waited for a host: ${String(error)} (tried again when a host comes)`))
      .finally(() => (this.sweeping = undefined));
  }

  private kv(): Promise<KV> {
    this.bucket ??= createDataplaneBucket(this.nc, this.config).catch((error: unknown) => {
      this.bucket = undefined;
      throw error;
    });
    return this.bucket;
  }
}
