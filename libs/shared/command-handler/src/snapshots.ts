// Snapshots of long aggregate streams: a stream's folded state at a revision,
// so loading it folds only what came after. On the wire, JSON. A snapshot
// that does not parse or belongs to another stream is ignored (the stream is
// folded from the start), never trusted halfway.
import type { SnapshotStore } from '@pn/event-store';

export interface SnapshotOptions<State> {
  readonly store: SnapshotStore;
  /** A snapshot is saved once this many events have been appended since the last one. */
  readonly every: number;
  /** Versioned name of the state's shape (`network.v1`): a new shape ignores old snapshots. */
  readonly schema: string;
  toJson(state: State): unknown;
  fromJson(json: unknown): State;
}

export interface Snapshot<State> {
  readonly revision: number;
  /** Position of the event at `revision`, when known: reading the rest starts there. */
  readonly position: bigint | undefined;
  readonly state: State;
}

export const snapshotKey = (streamId: string) => `aggregate/${streamId}`;

export function encodeSnapshot<State>(options: SnapshotOptions<State>, streamId: string, snapshot: Snapshot<State>): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      schema: options.schema,
      stream: streamId,
      revision: snapshot.revision,
      position: snapshot.position?.toString() ?? null,
      state: options.toJson(snapshot.state),
    }),
  );
}

export function decodeSnapshot<State>(options: SnapshotOptions<State>, streamId: string, bytes: Uint8Array): Snapshot<State> | undefined {
  try {
    const wire = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      v?: unknown;
      schema?: unknown;
      stream?: unknown;
      revision?: unknown;
      position?: unknown;
      state?: unknown;
    };
    if (wire?.v !== 1 || wire.schema !== options.schema || wire.stream !== streamId) return undefined;
    if (!Number.isSafeInteger(wire.revision) || (wire.revision as number) < 0) return undefined;
    const position = typeof wire.position === 'string' && /^\d{1,30}$/.test(wire.position) ? BigInt(wire.position) : undefined;
    return { revision: wire.revision as number, position, state: options.fromJson(wire.state) };
  } catch {
    return undefined;
  }
}
