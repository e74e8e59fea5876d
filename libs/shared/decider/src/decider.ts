// A decider is an aggregate as three pure functions (after emmett):
// `decide` turns a command into events under the rules, `evolve` folds an
// event into state, `initialState` is the state of a stream with no events.
// The domain never reads clocks or generates ids: they come in the command.

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /**
   * Whether a stream in this state is over (a deleted resource): nothing but
   * no-ops can follow, so whoever caches state may drop it rather than hold
   * it until its cache is full. Optional; a stream is never over without it.
   */
  isTerminal?(state: State): boolean;
}

/** A broken business rule: carries a stable code the edges map to a status. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Folds events into state, starting from `state` (the initial state by default). */
export function fold<C, E, S>(decider: Decider<C, E, S>, events: readonly E[], state = decider.initialState()): S {
  return events.reduce((s, e) => decider.evolve(s, e), state);
}

/** Compile-time exhaustiveness check for the `default` branch of a switch. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
