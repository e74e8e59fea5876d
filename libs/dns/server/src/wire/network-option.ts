// EDNS option 65001: which network's view a query reads, as the host-side
// forwarder states it.
//
// Without a forwarder secret the option is the network id in ASCII. With one
// (DNS_FORWARDER_SECRET), it is the network id in ASCII followed by the first
// 16 bytes of HMAC-SHA256(secret, network id): knowing (or guessing) an id is
// then not enough to read a view; only a forwarder holding the secret can
// name one. 16 bytes (128 bits) is the truncation RFC 2104 allows (at least
// half the output) and keeps the option small.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const NETWORK_MAC_BYTES = 16;
// Verified options are remembered (option bytes → network id), so a steady
// stream of queries pays the HMAC once per network, not once per query. Only
// options that verified get in, so a flood of forged ones cannot fill it; it
// is still bounded for a forwarder with very many networks.
const MAX_VERIFIED = 4096;

/** The option's data for `networkId`: the id, and its MAC when there is a secret. */
export function networkOptionData(networkId: string, secret?: string | Buffer | null): Buffer {
  const id = Buffer.from(networkId, 'ascii');
  if (!secret || secret.length === 0) return id;
  return Buffer.concat([id, networkMac(id, secret)]);
}

export function networkMac(id: Buffer, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(id).digest().subarray(0, NETWORK_MAC_BYTES);
}

export class NetworkOptionReader {
  private readonly secret: Buffer | null;
  private readonly verified = new Map<string, string>();
  // The option read last and what it named: a forwarder's queries mostly name
  // one network in a row, and handing back the same string (its hash kept)
  // spares a string and a hashing per query on the hot path.
  private readonly last = Buffer.alloc(256);
  private lastLength = -1;
  private lastId = '';

  constructor(secret?: string | Buffer | null) {
    this.secret = secret && secret.length > 0 ? Buffer.from(secret) : null;
  }

  get requiresMac(): boolean {
    return this.secret !== null;
  }

  /** The network named by msg[start, end), or null: absent, empty, not printable ASCII, or (with a secret) without a valid MAC. */
  read(msg: Buffer, start: number, end: number): string | null {
    if (start < 0 || end <= start) return null;
    if (this.sameAsLast(msg, start, end)) return this.lastId;
    const id = this.readNew(msg, start, end);
    if (id !== null && end - start <= this.last.length) {
      msg.copy(this.last, 0, start, end);
      this.lastLength = end - start;
      this.lastId = id;
    }
    return id;
  }

  /** Every byte compared, however early one differs: the cached option may hold a MAC, which must not leak by timing. */
  private sameAsLast(msg: Buffer, start: number, end: number): boolean {
    if (end - start !== this.lastLength) return false;
    const last = this.last;
    let diff = 0;
    for (let i = start, j = 0; i < end; i++, j++) diff |= msg[i]! ^ last[j]!;
    return diff === 0;
  }

  private readNew(msg: Buffer, start: number, end: number): string | null {
    if (this.secret === null) return printableAscii(msg, start, end) ? msg.toString('latin1', start, end) : null;
    const idEnd = end - NETWORK_MAC_BYTES;
    if (idEnd <= start || !printableAscii(msg, start, idEnd)) return null;
    const key = msg.toString('latin1', start, end);
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    const mac = networkMac(msg.subarray(start, idEnd), this.secret);
    if (!timingSafeEqual(mac, msg.subarray(idEnd, end))) return null;
    const networkId = msg.toString('latin1', start, idEnd);
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(key, networkId);
    return networkId;
  }
}

function printableAscii(msg: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = msg[i]!;
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}
