// The service's one garbage bin (see @pn/event-store's garbage-bin.ts): every
// consumer of the bus in the service parks into it, the health reply lists it
// and /metrics counts it, so a bad message shows in one place whichever
// subject it came on.
import { Logger } from '@nestjs/common';
import { GarbageBin } from '@pn/event-store';

export { GarbageBin };

export function newGarbageBin(): GarbageBin {
  const logger = new Logger('Garbage');
  return new GarbageBin({ log: (m) => logger.error(m) });
}

/** The bin as the health reply carries it (HealthReply.garbage). */
export function garbageHealth(bin: GarbageBin | undefined) {
  return {
    total: BigInt(bin?.total ?? 0),
    counts: (bin?.counts() ?? []).map((c) => ({ ...c, count: BigInt(c.count) })),
    recent: (bin?.recent() ?? []).map((g) => ({ ...g, seq: BigInt(g.seq), bytes: BigInt(g.bytes), parkedAt: g.parkedAt.toISOString() })),
  };
}
