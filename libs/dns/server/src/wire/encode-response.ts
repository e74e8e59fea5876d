// Writes a response straight into one exactly-sized buffer: the question is
// copied from the query as sent, answers point back at it (name compression),
// and the SOA for negative answers is encoded once at start-up.

import {
  CLASS_IN,
  FLAG_AA,
  FLAG_CD,
  FLAG_QR,
  FLAG_RD,
  FLAG_TC,
  HEADER_SIZE,
  TYPE_A,
  TYPE_OPT,
  TYPE_SOA,
} from './constants.js';
import type { ParsedQuery } from './parse-query.js';

export interface EncoderConfig {
  readonly ttlSeconds: number;
  readonly negativeTtlSeconds: number;
  /** Zone whose SOA goes into negative answers, e.g. `internal`. */
  readonly zone: string;
  /** UDP size we advertise in our OPT and the most we send over UDP. */
  readonly maxUdpPayloadSize: number;
}

const A_RECORD_SIZE = 16; // pointer(2) type(2) class(2) ttl(4) rdlength(2) address(4)
const OPT_RECORD_SIZE = 11; // root(1) type(2) size(2) ttl(4) rdlength(2)
// Mostly irrelevant to negative caching (only TTL and minimum count) but must be sane.
const SOA_SERIAL = 1;
const SOA_REFRESH = 3600;
const SOA_RETRY = 600;
const SOA_EXPIRE = 86400;

/** Wire form of a presentation name (`ns.internal` → 2ns8internal0). */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`invalid DNS label in ${JSON.stringify(name)}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`DNS name too long: ${name}`);
  return wire;
}

/** The zone's SOA record: TTL and minimum both equal the negative TTL (RFC 2308 uses the lower). */
export function encodeSoaRecord(zone: string, negativeTtlSeconds: number): Buffer {
  const owner = encodeName(zone);
  const mname = encodeName(zone === '' ? 'ns' : `ns.${zone}`);
  const rname = encodeName(zone === '' ? 'hostmaster' : `hostmaster.${zone}`);
  const rdlength = mname.length + rname.length + 20;
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_SOA, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(negativeTtlSeconds, 4);
  fixed.writeUInt16BE(rdlength, 8);
  const counters = Buffer.alloc(20);
  [SOA_SERIAL, SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, negativeTtlSeconds].forEach((v, i) =>
    counters.writeUInt32BE(v, i * 4),
  );
  return Buffer.concat([owner, fixed, mname, rname, counters]);
}

export class ResponseEncoder {
  private readonly soa: Buffer;
  private readonly ttl: number;
  private readonly maxUdp: number;

  constructor(config: EncoderConfig) {
    this.soa = encodeSoaRecord(config.zone, config.negativeTtlSeconds);
    this.ttl = config.ttlSeconds >>> 0;
    this.maxUdp = config.maxUdpPayloadSize;
  }

  /** Most we may send this client over UDP: 512 unless its OPT says more, capped by our own limit. */
  udpLimit(q: ParsedQuery): number {
    if (!q.hasOpt) return 512;
    return Math.max(512, Math.min(q.udpPayloadSize, this.maxUdp));
  }

  /**
   * A response echoing the question. `framing` is 2 for TCP: the length prefix
   * is written into the same buffer so a TCP answer is one allocation, one write.
   * Over `limit`, UDP (`truncate`) sends just the question with TC set; TCP
   * keeps as many answers as fit. Returns null if an address is not IPv4.
   */
  encode(
    msg: Buffer,
    q: ParsedQuery,
    rcode: number,
    addresses: readonly string[] | null,
    withSoa: boolean,
    limit: number,
    truncate: boolean,
    framing: 0 | 2,
  ): Buffer | null {
    const questionLen = q.questionEnd - HEADER_SIZE;
    const optLen = q.hasOpt ? OPT_RECORD_SIZE : 0;
    let answers = addresses === null ? 0 : addresses.length;
    let soaLen = withSoa ? this.soa.length : 0;
    let truncated = false;
    let size = HEADER_SIZE + questionLen + answers * A_RECORD_SIZE + soaLen + optLen;
    if (size > limit) {
      if (truncate) {
        truncated = true;
        answers = 0;
        soaLen = 0;
      } else {
        const room = limit - (HEADER_SIZE + questionLen + soaLen + optLen);
        answers = Math.max(0, Math.floor(room / A_RECORD_SIZE));
      }
      size = HEADER_SIZE + questionLen + answers * A_RECORD_SIZE + soaLen + optLen;
    }

    const out = Buffer.allocUnsafe(framing + size);
    if (framing === 2) writeU16(out, 0, size);
    let o = writeHeader(out, framing, q, rcode, truncated, 1, answers, soaLen === 0 ? 0 : 1, optLen === 0 ? 0 : 1);
    msg.copy(out, o, HEADER_SIZE, q.questionEnd);
    o += questionLen;
    for (let i = 0; i < answers; i++) {
      out[o] = 0xc0; // pointer to the question name, at offset 12 of the message
      out[o + 1] = HEADER_SIZE;
      writeU16(out, o + 2, TYPE_A);
      writeU16(out, o + 4, CLASS_IN);
      writeU32(out, o + 6, this.ttl);
      writeU16(out, o + 10, 4);
      if (!writeIpv4(addresses![i]!, out, o + 12)) return null;
      o += A_RECORD_SIZE;
    }
    if (soaLen !== 0) o += this.soa.copy(out, o);
    if (optLen !== 0) writeOpt(out, o, rcode, q.dnssecOk, this.maxUdp);
    return out;
  }

  /** Header only, for FORMERR and NOTIMP, where the question may not be readable. */
  headerOnly(q: ParsedQuery, rcode: number, framing: 0 | 2): Buffer {
    const out = Buffer.allocUnsafe(framing + HEADER_SIZE);
    if (framing === 2) writeU16(out, 0, HEADER_SIZE);
    writeHeader(out, framing, q, rcode, false, 0, 0, 0, 0);
    return out;
  }
}

function writeHeader(
  out: Buffer,
  o: number,
  q: ParsedQuery,
  rcode: number,
  truncated: boolean,
  qd: number,
  an: number,
  ns: number,
  ar: number,
): number {
  // Opcode is echoed; RD and CD are copied back as RFC 1035 / RFC 4035 ask;
  // RA stays clear: this server never recurses.
  const flags =
    FLAG_QR | FLAG_AA | (q.flags & (0x7800 | FLAG_RD | FLAG_CD)) | (truncated ? FLAG_TC : 0) | (rcode & 0xf);
  writeU16(out, o, q.id);
  writeU16(out, o + 2, flags);
  writeU16(out, o + 4, qd);
  writeU16(out, o + 6, an);
  writeU16(out, o + 8, ns);
  writeU16(out, o + 10, ar);
  return o + HEADER_SIZE;
}

function writeOpt(out: Buffer, o: number, rcode: number, dnssecOk: boolean, udpSize: number): void {
  out[o] = 0; // root owner
  writeU16(out, o + 1, TYPE_OPT);
  writeU16(out, o + 3, udpSize);
  out[o + 5] = rcode >> 4; // upper bits of an extended rcode (BADVERS)
  out[o + 6] = 0; // EDNS version 0
  out[o + 7] = dnssecOk ? 0x80 : 0; // RFC 3225: DO is copied back
  out[o + 8] = 0;
  writeU16(out, o + 9, 0);
}

/** Parses a dotted quad straight into the buffer; false if it is not one. */
export function writeIpv4(s: string, out: Buffer, o: number): boolean {
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || parts === 3) return false;
      out[o + parts++] = part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return false;
    } else {
      return false;
    }
  }
  if (digits === 0 || parts !== 3) return false;
  out[o + 3] = part;
  return true;
}

function writeU16(out: Buffer, o: number, v: number): void {
  out[o] = v >>> 8;
  out[o + 1] = v & 0xff;
}

function writeU32(out: Buffer, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}
