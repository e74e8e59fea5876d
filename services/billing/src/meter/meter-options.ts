// Billing's own settings (the platform config holds the shared ones).
//   BILLING_PARTITIONS  how many meter partitions networks are spread over
//                       (default 16). Each partition's batches are appended
//                       one at a time, so this bounds how many appends run
//                       side by side. Changing it moves networks to other
//                       partitions, whose keys do not include the flows
//                       already counted: change it only when the flows stream
//                       is drained and no flow of an open invoice can come
//                       again (or accept that those may count twice).
//   BILLING_OWNERSHIP_WAIT_SECONDS  how long a flow record may wait for the
//                       ownership facts of its time (default 600): past it,
//                       it is parked, visible, never classified against an
//                       incomplete record (ownership-feed.ts).
//   BILLING_CLOCK_OFFSET_MS  for tests only (default 0): billing's clock, and
//                       the bus times of flow records it reads, are shifted
//                       by this much, so a suite can put billing just before
//                       a month's close without waiting for one.
export interface MeterOptions {
  readonly partitions: number;
  readonly clockOffsetMs: number;
  readonly ownershipWaitMs: number;
}

export function meterOptions(env: NodeJS.ProcessEnv = process.env): MeterOptions {
  const text = env.BILLING_PARTITIONS ?? '16';
  const partitions = Number(text);
  if (!/^\d+$/.test(text) || partitions < 1 || partitions > 1024) throw new Error(`BILLING_PARTITIONS must be an integer from 1 to 1024, not ${JSON.stringify(text)}`);
  const offset = env.BILLING_CLOCK_OFFSET_MS ?? '0';
  if (!/^-?\d+$/.test(offset)) throw new Error(`BILLING_CLOCK_OFFSET_MS must be an integer, not ${JSON.stringify(offset)}`);
  const wait = env.BILLING_OWNERSHIP_WAIT_SECONDS ?? '600';
  if (!/^\d+$/.test(wait) || Number(wait) < 1 || Number(wait) > 86_400) throw new Error(`BILLING_OWNERSHIP_WAIT_SECONDS must be an integer from 1 to 86400, not ${JSON.stringify(wait)}`);
  return { partitions, clockOffsetMs: Number(offset), ownershipWaitMs: Number(wait) * 1000 };
}

/** Billing's clock (epoch ms): the machine's, shifted by BILLING_CLOCK_OFFSET_MS. */
export const billingClock = (options: MeterOptions) => (): number => Date.now() + options.clockOffsetMs;
