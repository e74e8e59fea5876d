// A read model as data: which category it follows, how it starts, how one
// event changes it, and how its state is written into a checkpoint. The one
// ProjectionRunner does everything else (checkpoints, poison events, lag).
import { WatchedMap } from '@pn/decider';
import type { RecordedEvent } from '@pn/event-store';
import type { CheckpointFormat } from './checkpoint.js';

export type { CheckpointFormat } from './checkpoint.js';

export interface Projection<S> {
  /**
   * Unique and versioned (`resources.directory.v1`): a change to the state's
   * shape takes a new name, so an old checkpoint is never read into it.
   */
  readonly name: string;
  readonly category: string;
  initialState(): S;
  /**
   * Applies one event; may mutate and return `state`. Throw before changing
   * anything when the event cannot be applied (undecodable, breaks an
   * invariant): after a few attempts it is parked and the projection goes on.
   * Throw RetryLater for a passing failure (a side effect whose peer is down):
   * that is retried until it succeeds and never parks the event.
   */
  evolve(state: S, event: RecordedEvent): S | Promise<S>;
  /**
   * Whether the service is only ready once this projection has caught up.
   * Default true (a read model answers requests); false for one that only
   * produces side effects (a publisher), whose lag is reported but does not
   * hold the service back.
   */
  readonly gatesReadiness?: boolean;
  /** How the state is saved in checkpoints (written a slice at a time, see checkpoint.ts). */
  readonly checkpoint: CheckpointFormat<S>;
}

/**
 * The checkpoint format of a read model that stays small (a few thousand
 * entries at most): its whole state is one entry, encoded at once when a
 * checkpoint starts. A model that grows with the resources keeps its state in
 * WatchedMaps instead, so that its checkpoint never stops the world.
 */
export function wholeState<S>(toJson: (state: S) => unknown, fromJson: (json: unknown) => S): CheckpointFormat<S> {
  return {
    tables: (state) => ({ state: new WatchedMap<unknown>([['', state]]) }),
    entryToJson: (_table, _key, state) => toJson(state as S),
    restoreEntry: (_state, _table, _key, json) => fromJson(json),
  };
}

/** A failure that says nothing about the event: try the same event again later. */
export class RetryLater extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryLater';
  }
}

export interface ProjectionStatus {
  readonly name: string;
  readonly category: string;
  /** Has been through every event that existed when it started. */
  readonly caughtUp: boolean;
  /** Position of the last event applied (or parked), as a decimal string. */
  readonly position: string;
  /** How long it has known of events it has not applied yet, in ms (0 when current). */
  readonly lagMs: number;
  /** Events parked since the projection was first built. */
  readonly parked: number;
  readonly gatesReadiness: boolean;
}
