// @pn/event-store: the event store port, its JetStream (default) and
// EventStoreDB adapters, and a factory that picks one from configuration.
export * from './event-store.port.js';
export { createEventStore, type EventStoreConfig } from './create-event-store.js';
export {
  createJetStreamEventStore,
  JetStreamEventStore,
  type JetStreamEventStoreOptions,
} from './jetstream.event-store.js';
export {
  createEventStoreDbEventStore,
  EventStoreDbEventStore,
  type EventStoreDbEventStoreOptions,
} from './eventstoredb.event-store.js';
export type { DeliveryOptions } from './internal/delivery.js';
export { MemorySnapshotStore, type SnapshotStore } from './snapshots/snapshot-store.port.js';
export { createJetStreamSnapshotStore, type JetStreamSnapshotStoreOptions } from './snapshots/jetstream-snapshot-store.js';
export { ensureReplicas, ensureStream as ensureHistoryStream, EventStreamLimitsError, historyLimits } from './jetstream/stream.js';
export { GarbageBin, type GarbageBinOptions, type GarbageCount, type GarbageReport, type ParkedGarbage } from './garbage/garbage-bin.js';
export { garbage, isObject, screenJson, type GarbageReason, type Screened } from './garbage/screen.js';
export { MAX_COMMIT_BYTES, readCommit, UnreadableCommitError } from './jetstream/commit-check.js';
export { isJetStreamUnavailable, jetStreamWaits, markJetStreamWait, untilJetStreamAvailable, type UntilAvailableOptions } from './jetstream/availability.js';
export { CONSUMER_API_TIMEOUT_MS, ConsumerLostError, LIVELY_PULL, SILENCE_MS, watchLiveness } from './jetstream/liveness.js';
export { runConsumerLoop, type ConsumerLoop, type ConsumerLoopOptions } from './jetstream/consumer-loop.js';
