// Every test gets its own streams and categories, so tests never depend on
// order or on what earlier runs left in a shared server.
import { randomBytes } from 'node:crypto';

/**
 * `<prefix>_<12 random base-36 chars>`, lower case: valid as an event-store
 * category, as a stream id part and as a NATS subject token.
 */
export function uniqueId(prefix = 't'): string {
  const n = randomBytes(8).readBigUInt64BE();
  return `${prefix}_${n.toString(36).padStart(13, '0').slice(-12)}`;
}
