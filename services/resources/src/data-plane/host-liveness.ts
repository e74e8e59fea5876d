// When a host agent counts as running: heard from within three of its own
// heartbeat periods (so one lost or late heartbeat is not an outage), and at
// least within two seconds, whatever period it claims. Heard from means
// written to the bucket, by the NATS server's clock: the agent's is not trusted.
import type { HostHeartbeat } from '@pn/contracts';

export interface HostSeen {
  readonly heartbeat: HostHeartbeat;
  /** When the bucket took it (the server's clock), never later than now. */
  readonly seenAt: number;
}

export const MISSED_HEARTBEATS = 3;
const MIN_WINDOW_MS = 2000;
const MAX_WINDOW_MS = 60_000;

export function hostAlive({ heartbeat, seenAt }: HostSeen, now: number): boolean {
  const window = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, MISSED_HEARTBEATS * heartbeat.everyMs));
  return now - seenAt <= window;
}
