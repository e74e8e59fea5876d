// Creates or updates the one JetStream stream that holds every commit.
// Idempotent, and safe when several services start at once.
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

const STREAM_NAME_IN_USE = 10058;

export async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subjectPrefix: string,
  duplicateWindowMs: number,
): Promise<void> {
  const wanted = {
    subjects: [`${subjectPrefix}.>`],
    // Direct gets read a subject's last commit in ~0.15 ms: how appends learn
    // the current revision and reads walk the commit chain.
    allow_direct: true,
    // msgID dedup makes a retried publish harmless within this window.
    duplicate_window: nanos(duplicateWindowMs),
  };
  try {
    // Limits retention with no limits: events are kept until an operator says otherwise.
    await jsm.streams.add({
      ...wanted,
      name,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
  } catch (error) {
    // The stream exists with another config (e.g. an older duplicate window):
    // bring in what the adapter relies on, keep what an operator set
    // (storage, limits, replicas, other subjects).
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw error;
    const { config } = await jsm.streams.info(name);
    const subjects = config.subjects.includes(wanted.subjects[0]!) ? config.subjects : [...config.subjects, ...wanted.subjects];
    await jsm.streams.update(name, { ...wanted, subjects });
  }
}
