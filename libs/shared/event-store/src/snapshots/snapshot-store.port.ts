// Where derived state is kept so it need not be rebuilt from all history:
// projection checkpoints (a read model and the position it reflects) and
// aggregate snapshots (a long stream's state at a revision). Losing them
// costs a rebuild, never correctness: events stay the source of truth.
export interface SnapshotStore {
  /** The bytes saved last under `key`, or undefined. */
  load(key: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces what is saved under `key`: `value`, or its chunks one after the
   * other. Values may be large (a whole read model).
   */
  save(key: string, value: Uint8Array | readonly Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

/** In memory, for tests and for running without checkpoints. */
export class MemorySnapshotStore implements SnapshotStore {
  readonly values = new Map<string, Uint8Array>();
  async load(key: string): Promise<Uint8Array | undefined> {
    return this.values.get(key);
  }
  async save(key: string, value: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.values.set(key, value instanceof Uint8Array ? value : Buffer.concat(value));
  }
  async close(): Promise<void> {}
}
