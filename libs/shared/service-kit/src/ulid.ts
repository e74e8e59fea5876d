// ULIDs, lower case (`01j9…`): 48 bits of millisecond time, then 80 random
// bits, Crockford base32. The `ulid` package asks the CSPRNG for one byte per
// character, 16 calls per id, which profiles put among the gateway's and the
// resources service's top costs; here the random bits come from a pooled
// buffer refilled 4 KB at a time (as Node's own randomUUID does). Never
// monotonic: every id carries its full 80 fresh bits, so ids made in one
// millisecond are not consecutive and one tenant's id says nothing of
// another's.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_BYTES = 10;
const pool = Buffer.alloc(4096 - (4096 % RANDOM_BYTES));
let offset = pool.length;

/** 8 characters from 40 bits (exact in a double). */
function encode40(value: number): string {
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/** A new ULID for `now` (ms since the epoch; default the clock). */
export function newUlid(now: number = Date.now()): string {
  if (!Number.isInteger(now) || now < 0 || now > MAX_TIME) throw new RangeError(`ULID time must be an integer from 0 to 2^48-1, got ${now}`);
  if (offset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const high = pool[offset]! * 2 ** 32 + pool.readUInt32BE(offset + 1);
  const low = pool[offset + 5]! * 2 ** 32 + pool.readUInt32BE(offset + 6);
  // Used bytes are zeroed, so no later read of the pool can show them.
  pool.fill(0, offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  // Time: 10 characters of 5 bits for 48 bits (the first holds 3).
  let time = '';
  for (let i = 0, t = now; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time + encode40(high) + encode40(low);
}
