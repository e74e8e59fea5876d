// Billing's own settings (the platform config holds the shared ones).
//   BILLING_PARTITIONS  how many meter partitions networks are spread over
//                       (default 16). Each partition's batches are appended
//                       one at a time, so this bounds how many appends run
//                       side by side. Changing it moves networks to other
//                       partitions, whose keys do not include the flows
//                       already counted: change it only when the flows stream
//                       is drained and no flow of an open invoice can come
//                       again (or accept that those may count twice).
//   BILLING_CLOCK_OFFSET_MS  for tests only (default 0): billing's clock, and
//                       the bus times of flow records it reads, are shifted
//                       by this much, so a suite can put billing just before
//                       a month's close without waiting for one.
export interface MeterOptions {
  readonly partitions: number;
  readonly clockOffsetMs: number;
}

export function meterOptions(env: NodeJS.ProcessEnv = process.env): MeterOptions {
  const text = env.BILLING_PARTITIONS ?? '16';
  const partitions = Number(text);
  if (!/^\d+$/.test(text) || partitions < 1 || partitions > 1024) throw new Error(`BILLING_PARTITIONS must be an integer from 1 to 1024, not ${JSON.stringify(text)}`);
  const offset = env.BILLING_CLOCK_OFFSET_MS ?? '0';
  if (!/^-?\d+$/.test(offset)) throw new Error(`BILLING_CLOCK_OFFSET_MS must be an integer, not ${JSON.stringify(offset)}`);
  return { partitions, clockOffsetMs: Number(offset) };
}

/** Billing's clock (epoch ms): the machine's, shifted by BILLING_CLOCK_OFFSET_MS. */
export const billingClock = (options: MeterOptions) => (): number => Date.now() + options.clockOffsetMs;
