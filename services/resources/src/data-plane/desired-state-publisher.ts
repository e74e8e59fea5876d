// Keeps the data plane's desired state (the `desired.<resource>` keys of the
// dataplane bucket) equal to what the resources are: a projection of the
// `resource` category that, for an event that can change what a host must
// make real, reads the resource as it is now and writes its record, or
// deletes it. Reading the resource (rather than folding events here) keeps
// this projection's state empty — nothing to checkpoint but its position —
// and makes a late or replayed event write the newest record, never an old
// one. Instances race only to write the same thing; a compare-and-set on the
// record's revision keeps an older record from overwriting a newer one.
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { RetryLater, wholeState, type Projection } from '@pn/projection';
import { changesDesired, desiredOf, resourceStreamId, type ResourceState } from '@pn/resources-domain';
import { BUS_CONNECTION, createDataplaneBucket, dataplaneKeys, encodeDesired, isWrongLastSequence, PLATFORM_CONFIG, Projections, readDataplaneEntry, type PlatformConfig } from '@pn/service-kit';
import { Provisioner } from '../provisioning/provisioner.js';

@Injectable()
export class DesiredStatePublisher implements OnModuleInit {
  private bucket: Promise<KV> | undefined;
  private readonly logger = new Logger(DesiredStatePublisher.name);

  constructor(
    private readonly projections: Projections,
    private readonly provisioner: Provisioner,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(BUS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.kv();
    this.projections.run(this.projection()).catch((error) => this.logger.error(`desired state publisher stopped: ${String(error)}`));
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

  /** Writes the record of `state` (at stream revision `revision`) unless a newer one is there. */
  async write(resourceId: string, state: ResourceState, revision: number): Promise<void> {
    const kv = await this.kv();
    const key = dataplaneKeys.desired(resourceId);
    const wanted = desiredOf(state, revision);
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

  private kv(): Promise<KV> {
    this.bucket ??= createDataplaneBucket(this.nc, this.config).catch((error: unknown) => {
      this.bucket = undefined;
      throw error;
    });
    return this.bucket;
  }
}
