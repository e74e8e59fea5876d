// Injection tokens of the event store module, apart so providers can import them without cycles.
export const EVENT_STORE = Symbol('EVENT_STORE');
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');
/** A service that knows the data plane's hosts (resources) provides it; its health reply lists them. */
export const DATA_PLANE_HEALTH = Symbol('DATA_PLANE_HEALTH');
export interface DataPlaneHealthSource {
  health(): { hosts: Array<{ hostId: string; attached: number; failed: number; seenMsAgo: number }> };
}
