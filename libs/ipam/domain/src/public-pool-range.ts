// The public pool's range (PUBLIC_IP_POOL, any IPv4 CIDR from /8 to /30):
// offsets 1..size-2 are handed out; the network (offset 0) and broadcast
// (size-1) addresses never are.
import { intToIp, ipToInt } from './ipv4.js';

export interface PoolRange {
  readonly cidr: string;
  readonly base: number;
  readonly size: number;
}

/** The range of a CIDR, or a reason it is none (host bits set, prefix outside /8–/30, not IPv4). */
export function parsePoolRange(cidr: string): PoolRange | string {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  const base = match ? ipToInt(match[1]!) : undefined;
  if (!match || base === undefined) return `"${cidr}" is not an IPv4 CIDR such as 203.0.113.0/24`;
  const prefix = Number(match[2]);
  // /31 and /32 have no host between network and broadcast; past /8 the pool is no longer a pool but half the internet.
  if (prefix < 8 || prefix > 30) return `the prefix of "${cidr}" must be from /8 to /30`;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return `"${cidr}" has host bits set (the network address is ${intToIp(base - (base % size))})`;
  return { cidr, base, size };
}

/** The platform's one public pool: its ranges and every lease (issue 18.1). */
export const PUBLIC_POOL_STREAM = 'publicpool-platform';

/**
 * The stream a CIDR's leases had before there was one pool, `publicpool-203_0_113_0-24`
 * (stream ids allow no `.` or `/`): read once at boot and carried into the pool.
 */
export const legacyPublicPoolStreamId = (cidr: string) => `publicpool-${cidr.replaceAll('.', '_').replace('/', '-')}`;

/** Whether `inner` lies within `outer` (CIDRs nest or are apart). */
export const rangeContains = (outer: PoolRange, inner: PoolRange) => inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
export const rangeHolds = (range: PoolRange, address: number) => address >= range.base && address < range.base + range.size;

/** Lowest and highest address (as a number) ever handed out from a range. */
export const firstHost = (range: PoolRange) => range.base + 1;
export const lastHost = (range: PoolRange) => range.base + range.size - 2;
