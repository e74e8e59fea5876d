// Removes the JetStream stream a test or benchmark run wrote its events to,
// and its snapshot buckets, so runs against a shared NATS leave nothing behind.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';

/** `nats`: the server's URL(s), or options of a connection allowed to delete streams (the `admin` role on a secured NATS). */
export async function deleteEventStream(nats: string | ConnectionOptions, stream: string, ...others: string[]): Promise<void> {
  const nc = await connect(typeof nats === 'string' ? { servers: nats.split(',') } : nats);
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
    // Every service's snapshot bucket (OBJ_<stream>_SNAPSHOTS_<service>).
    for await (const name of jsm.streams.names()) if (name.startsWith(`OBJ_${stream}_SNAPSHOTS`)) await jsm.streams.delete(name).catch(() => false);
    for (const other of others) await jsm.streams.delete(other).catch(() => false);
  } finally {
    await nc.close();
  }
}
