// Which dns instances are running, from their heartbeats: an instance that has
// not been heard from for PRESUMED_GONE_AFTER_MS is no longer waited for.
// Pure (time is passed in), so the rules are tested without a bus.

/** How often each instance says it is there. */
export const HEARTBEAT_EVERY_MS = 500;
/** Three missed heartbeats: the instance stopped (or lost the bus, which also stops its view). */
export const PRESUMED_GONE_AFTER_MS = 3 * HEARTBEAT_EVERY_MS;

export class FleetMembers {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly self: string) {}

  seen(instanceId: string, nowMs: number): void {
    this.lastSeen.set(instanceId, nowMs);
  }

  left(instanceId: string): void {
    this.lastSeen.delete(instanceId);
  }

  /** Every instance heard from recently, this one always included; forgets the others. */
  live(nowMs: number): Set<string> {
    const live = new Set([this.self]);
    for (const [id, at] of this.lastSeen) {
      if (nowMs - at <= PRESUMED_GONE_AFTER_MS) live.add(id);
      else this.lastSeen.delete(id);
    }
    return live;
  }
}

/** The instances of `expected` that have not acknowledged yet. */
export function stillWaitingFor(expected: ReadonlySet<string>, acked: ReadonlySet<string>): string[] {
  return [...expected].filter((id) => !acked.has(id));
}
