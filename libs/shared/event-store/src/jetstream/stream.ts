// Creates or updates the one JetStream stream that holds every commit.
// Idempotent, and safe when several services start at once.
//
// History is never dropped: the stream is the system of record (ipam rebuilds
// a network's allocations from it, and an address forgotten is an address
// handed out twice). So it is created with no limits, `discard: new` (a
// limit, should one ever be hit, refuses new writes rather than deleting old
// ones), and with message deletion and purging denied. A stream found with an
// age, size or message limit makes the service refuse to start.
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

const STREAM_NAME_IN_USE = 10058;

export interface EventStreamSettings {
  readonly name: string;
  readonly subjectPrefix: string;
  readonly duplicateWindowMs: number;
  /** Replicas in a NATS cluster; applied when the stream is created or differs. */
  readonly replicas: number;
}

export class EventStreamLimitsError extends Error {
  readonly code = 'event_stream_limits';
  constructor(stream: string, limits: readonly string[]) {
    super(
      `JetStream stream ${stream} has ${limits.join(', ')} set: it would delete event history, from which ` +
        `addresses and names are rebuilt. Remove the limits (nats stream edit ${stream}) and start again.`,
    );
    this.name = 'EventStreamLimitsError';
  }
}

/** The limits of a stream config that would drop history (pure, for the check above). */
export function historyLimits(config: Partial<StreamConfig>): string[] {
  const set = (value: number | undefined) => value !== undefined && value > 0;
  const found: string[] = [];
  if (set(config.max_age)) found.push(`max_age=${config.max_age}ns`);
  if (set(config.max_bytes)) found.push(`max_bytes=${config.max_bytes}`);
  if (set(config.max_msgs)) found.push(`max_msgs=${config.max_msgs}`);
  if (set(config.max_msgs_per_subject)) found.push(`max_msgs_per_subject=${config.max_msgs_per_subject}`);
  if (config.retention !== undefined && config.retention !== RetentionPolicy.Limits) found.push(`retention=${config.retention}`);
  return found;
}

export async function ensureStream(jsm: JetStreamManager, settings: EventStreamSettings): Promise<void> {
  const { name, subjectPrefix, duplicateWindowMs, replicas } = settings;
  const wanted = {
    subjects: [`${subjectPrefix}.>`],
    // Direct gets read a subject's last commit in ~0.15 ms: how appends learn
    // the current revision and reads walk the commit chain.
    allow_direct: true,
    // msgID dedup makes a retried publish harmless within this window.
    duplicate_window: nanos(duplicateWindowMs),
    discard: DiscardPolicy.New,
    deny_delete: true,
    deny_purge: true,
  };
  try {
    await jsm.streams.add({ ...wanted, name, storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: replicas });
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw error;
  }
  // The stream exists: refuse one that can lose history, then bring in what
  // the adapter relies on and keep what an operator set (storage, other subjects).
  const { config } = await jsm.streams.info(name);
  const limits = historyLimits(config);
  if (limits.length > 0) throw new EventStreamLimitsError(name, limits);
  const subjects = config.subjects.includes(wanted.subjects[0]!) ? config.subjects : [...config.subjects, ...wanted.subjects];
  const needsUpdate =
    subjects !== config.subjects ||
    !config.allow_direct ||
    config.duplicate_window !== wanted.duplicate_window ||
    config.discard !== DiscardPolicy.New ||
    !config.deny_delete ||
    !config.deny_purge ||
    config.num_replicas !== replicas;
  if (needsUpdate) await jsm.streams.update(name, { ...wanted, subjects, num_replicas: replicas });
}

/**
 * Brings an existing stream (a KV or object bucket's too: their clients keep
 * a bucket as found) to `replicas` copies, so EVENT_STREAM_REPLICAS also
 * applies to what was created before it was set.
 */
export async function ensureReplicas(jsm: JetStreamManager, stream: string, replicas: number): Promise<void> {
  const { config } = await jsm.streams.info(stream);
  if (config.num_replicas !== replicas) await jsm.streams.update(stream, { ...config, num_replicas: replicas });
}
