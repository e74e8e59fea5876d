// Injection tokens of the event store module, apart so providers can import them without cycles.
export const EVENT_STORE = Symbol('EVENT_STORE');
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');
