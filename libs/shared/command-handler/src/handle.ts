// The one command handler every service uses: read the stream, fold it,
// decide, append with the revision we read. On a conflict another writer got
// there first: re-read and decide again, so rules are checked against the
// newest state and nothing is ever written over a stale view.
import { WrongExpectedRevisionError, type EventData, type EventStore, type RecordedEvent } from '@pn/event-store';
import type { Decider } from '@pn/decider';
import { KeyedMutex } from './keyed-mutex.js';
import { decodeSnapshot, encodeSnapshot, snapshotKey, type SnapshotOptions } from './snapshots.js';

export interface EventCodec<Event> {
  encode(event: Event): EventData;
  /** Returns undefined for event types this decider does not know. */
  decode(recorded: RecordedEvent): Event | undefined;
}

export interface HandleResult<Event, State> {
  /** Events appended by this command (empty for a valid no-op). */
  readonly newEvents: Event[];
  readonly state: State;
  /** Revision of the stream's last event, or -1 when it has none. */
  readonly revision: number;
}

interface Cached<State> {
  state: State;
  /** Its weight when it was cached (see CommandHandlerOptions.weigh). */
  weight?: number;
  revision: number;
  /** Position of the event at `revision`, when known: where a later read can start. */
  position?: bigint;
  /** Revision of the newest snapshot saved or loaded (-1: none). */
  snapshotRevision?: number;
}

export interface CommandHandlerOptions {
  /** How many times to retry after a concurrency conflict. */
  readonly maxRetries?: number;
  /** Keep folded state in memory between commands (long streams stay cheap). */
  readonly cacheState?: boolean;
  /** How many streams' state the cache holds; the least recently used go first. Default 10,000. */
  readonly maxCachedStreams?: number;
  /**
   * Bounds the cache by size too: `weigh` estimates a state's size (in any
   * unit, e.g. entries it holds) and the least recently used states go once
   * the total passes `maxCachedWeight`. A few huge streams (full networks)
   * then cannot take the memory that a count alone would allow.
   */
  readonly weigh?: (state: unknown) => number;
  readonly maxCachedWeight?: number;
  /** Snapshot long streams: loading one then folds only the events after its snapshot. */
  readonly snapshots?: SnapshotOptions<unknown>;
}

export class CommandHandler<Command, Event, State> {
  private readonly cache = new Map<string, Cached<State>>();
  private cachedWeight = 0;
  // Commands on one stream run one at a time in this process: the cached state
  // may be evolved in place, so two commands must never fold it concurrently.
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly codec: EventCodec<Event>,
    private readonly options: CommandHandlerOptions = {},
  ) {}

  /**
   * `expectNew`: the caller has just made up the stream's id, so the first
   * attempt skips reading it (a stream that exists after all fails the append
   * and is then read as usual).
   */
  handle(streamId: string, command: Command, options: { expectNew?: boolean } = {}): Promise<HandleResult<Event, State>> {
    return this.mutex.run(streamId, () => this.handleExclusive(streamId, command, options.expectNew ?? false));
  }

  /**
   * The states cached right now, by stream id, without reading anything (for
   * gauges collected on scrape; empty without cacheState). Read synchronously:
   * a fold in progress never shows half done.
   */
  *cachedStates(): IterableIterator<[streamId: string, state: State]> {
    for (const [streamId, cached] of this.cache) yield [streamId, cached.state];
  }

  /** Current state of a stream, read through the cache. */
  load(streamId: string): Promise<Cached<State>> {
    return this.mutex.run(streamId, () => this.catchUp(streamId));
  }

  private async handleExclusive(streamId: string, command: Command, expectNew: boolean): Promise<HandleResult<Event, State>> {
    const maxRetries = this.options.maxRetries ?? 20;
    for (let attempt = 0; ; attempt++) {
      // With a cache, the first attempt decides on it without asking the store:
      // the append's expected revision still catches anyone who wrote since.
      const trusted = attempt === 0 ? (this.cached(streamId) ?? (expectNew ? this.empty() : undefined)) : undefined;
      const current = trusted ?? (await this.catchUp(streamId));
      let newEvents: Event[];
      try {
        newEvents = this.decider.decide(command, current.state);
      } catch (error) {
        if (trusted) continue; // a refusal on a possibly stale view is no proof either
        throw error;
      }
      if (newEvents.length === 0) {
        // "Nothing to do" on a possibly stale view is no proof: ask the store first.
        if (trusted) continue;
        return { newEvents, state: current.state, revision: current.revision };
      }
      try {
        const result = await this.store.append(
          streamId,
          newEvents.map((e) => this.codec.encode(e)),
          current.revision < 0 ? 'no_stream' : current.revision,
        );
        const state = newEvents.reduce((s, e) => this.decider.evolve(s, e), current.state);
        this.remember(streamId, {
          state,
          revision: result.nextExpectedRevision,
          position: result.position,
          snapshotRevision: current.snapshotRevision ?? -1,
        });
        this.maybeSnapshot(streamId);
        return { newEvents, state, revision: result.nextExpectedRevision };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
        if (trusted) continue; // our view was behind: catch up and go again at once
        // Back off a little, with jitter, so racing writers spread out.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
  }

  private empty(): Cached<State> {
    return { state: this.decider.initialState(), revision: -1 };
  }

  private cached(streamId: string): Cached<State> | undefined {
    return this.options.cacheState ? this.cache.get(streamId) : undefined;
  }

  /** Cached state (or the stream's snapshot) brought up to date with whatever was appended since. */
  private async catchUp(streamId: string): Promise<Cached<State>> {
    const cached = (this.options.cacheState ? this.cache.get(streamId) : undefined) ?? (await this.loadSnapshot(streamId));
    let state = cached?.state ?? this.decider.initialState();
    let revision = cached?.revision ?? -1;
    let position = cached?.position;
    const from = { fromRevision: revision + 1, ...(position !== undefined ? { afterPosition: position } : {}) };
    for (const recorded of await this.store.read(streamId, from)) {
      const event = this.codec.decode(recorded);
      if (event !== undefined) state = this.decider.evolve(state, event);
      revision = recorded.revision;
      position = recorded.position;
    }
    const current: Cached<State> = { state, revision, position, snapshotRevision: cached?.snapshotRevision ?? -1 };
    this.remember(streamId, current);
    this.maybeSnapshot(streamId);
    return current;
  }

  private async loadSnapshot(streamId: string): Promise<Cached<State> | undefined> {
    const options = this.snapshotOptions;
    if (!options) return undefined;
    const bytes = await options.store.load(snapshotKey(streamId)).catch(() => undefined);
    const snapshot = bytes && decodeSnapshot(options, streamId, bytes);
    return snapshot
      ? { state: snapshot.state, revision: snapshot.revision, position: snapshot.position, snapshotRevision: snapshot.revision }
      : undefined;
  }

  /**
   * Saves a snapshot once `every` events came since the last. Encoded now,
   * under the stream's lock (cached state is evolved in place later), saved
   * in the background: a lost snapshot only costs a longer fold next time.
   */
  private maybeSnapshot(streamId: string): void {
    const options = this.snapshotOptions;
    const cached = this.cache.get(streamId);
    if (!options || !cached || options.every <= 0) return;
    if (cached.revision - (cached.snapshotRevision ?? -1) < options.every) return;
    const bytes = encodeSnapshot(options, streamId, { revision: cached.revision, position: cached.position, state: cached.state });
    cached.snapshotRevision = cached.revision;
    options.store.save(snapshotKey(streamId), bytes).catch(() => {
      cached.snapshotRevision = -1; // try again after the next append
    });
  }

  private get snapshotOptions(): SnapshotOptions<State> | undefined {
    return this.options.snapshots as SnapshotOptions<State> | undefined;
  }

  private remember(streamId: string, value: Cached<State>): void {
    if (this.decider.isTerminal?.(value.state)) {
      // Over: a later command (a retried delete) re-reads its few events. Kept,
      // every deleted stream would sit in the cache until it filled.
      this.forget(streamId);
      this.store.forget?.(streamId);
      return;
    }
    if (!this.options.cacheState) return;
    this.forget(streamId); // re-insert: the Map's order is then least recently used first
    value.weight = this.options.weigh?.(value.state) ?? 1;
    this.cache.set(streamId, value);
    this.cachedWeight += value.weight;
    const maxStreams = this.options.maxCachedStreams ?? 10_000;
    const maxWeight = this.options.maxCachedWeight ?? Infinity;
    // Always keep the one just used, however heavy.
    while (this.cache.size > 1 && (this.cache.size > maxStreams || this.cachedWeight > maxWeight)) {
      this.forget(this.cache.keys().next().value!);
    }
  }

  private forget(streamId: string): void {
    const cached = this.cache.get(streamId);
    if (!cached) return;
    this.cache.delete(streamId);
    this.cachedWeight -= cached.weight ?? 1;
  }

}
