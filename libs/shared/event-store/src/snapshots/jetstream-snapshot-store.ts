// Snapshots in a JetStream object store (chunked, so a read model of tens of
// megabytes fits; a KV value is capped by the 1 MB message limit). It lives on
// the bus every service already has, whatever the event store backend, and is
// replicated like the event stream in a cluster.
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { untilJetStreamAvailable } from '../jetstream/availability.js';
import { ensureReplicas } from '../jetstream/stream.js';
import type { SnapshotStore } from './snapshot-store.port.js';

export interface JetStreamSnapshotStoreOptions {
  /** Object store bucket; created when missing. */
  readonly bucket: string;
  readonly replicas?: number;
}

export async function createJetStreamSnapshotStore(nc: NatsConnection, options: JetStreamSnapshotStoreOptions): Promise<SnapshotStore> {
  // Waits while a cluster elects its leaders, rather than failing the service's start.
  const replicas = options.replicas ?? 1;
  const bucket = await untilJetStreamAvailable(`snapshot bucket ${options.bucket}`, async () => {
    const created = await new Objm(nc).create(options.bucket, { storage: StorageType.File, replicas });
    await ensureReplicas(await jetstreamManager(nc), `OBJ_${options.bucket}`, replicas);
    return created;
  });
  return new JetStreamSnapshotStore(bucket);
}

class JetStreamSnapshotStore implements SnapshotStore {
  /** Saves under way: close() waits for them, so a clean shutdown keeps the snapshots it decided to write. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly bucket: ObjectStore) {}

  async load(key: string): Promise<Uint8Array | undefined> {
    return (await this.bucket.getBlob(key)) ?? undefined;
  }

  async save(key: string, value: Uint8Array | readonly Uint8Array[]): Promise<void> {
    // Chunks are streamed as they are: never joined into one buffer (a copy of a whole read model at once).
    const saving = value instanceof Uint8Array ? this.bucket.putBlob({ name: key }, value) : this.bucket.put({ name: key }, ReadableStream.from(value));
    this.pending.add(saving);
    try {
      await saving;
    } finally {
      this.pending.delete(saving);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
