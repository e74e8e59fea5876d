// Writes a response straight into one exactly-sized buffer: the question is
// copied from the query as sent, answers point back at it (name compression,
// so they keep the query's case), and each zone's SOA is encoded once.

import type { LookupRecord } from '../lookup.js';
import {
  CLASS_IN,
  FLAG_AA,
  FLAG_CD,
  FLAG_QR,
  FLAG_RD,
  FLAG_TC,
  HEADER_SIZE,
  TYPE_A,
  TYPE_NS,
  TYPE_OPT,
  TYPE_PTR,
  TYPE_SOA,
} from './constants.js';
import type { ParsedQuery } from './parse-query.js';

/** What a response says: its rcode, its answers, and the zone whose SOA is its authority (negative answers). */
export interface ResponseContent {
  rcode: number;
  records: readonly LookupRecord[] | null;
  soaZone: string | null;
}

export interface EncoderConfig {
  readonly ttlSeconds: number;
  /** TTL and minimum of every SOA: how long resolvers cache a miss (RFC 2308 uses the lower of the two). */
  readonly negativeTtlSeconds: number;
  /** UDP size we advertise in our OPT and the most we send over UDP. */
  readonly maxUdpPayloadSize: number;
}

const RR_FIXED = 12; // pointer(2) type(2) class(2) ttl(4) rdlength(2)
const A_RECORD_SIZE = RR_FIXED + 4;
const OPT_RECORD_SIZE = 11; // root(1) type(2) size(2) ttl(4) rdlength(2)
// Mostly irrelevant to negative caching (only TTL and minimum count) but must be sane.
const SOA_SERIAL = 1;
const SOA_REFRESH = 3600;
const SOA_RETRY = 600;
const SOA_EXPIRE = 86400;
/** The name server every zone names; the server itself. */
export const NAME_SERVER = 'ns.internal';
const HOSTMASTER = 'hostmaster.internal';
// Zones are `internal` and one reverse /16 per network: a few hundred at most,
// but the cache is bounded anyway.
const MAX_CACHED_ZONES = 1024;

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

/** SOA rdata: mname, rname, serial, refresh, retry, expire, minimum (= the negative TTL). */
export function encodeSoaRdata(negativeTtlSeconds: number): Buffer {
  const counters = Buffer.alloc(20);
  [SOA_SERIAL, SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, negativeTtlSeconds].forEach((v, i) => counters.writeUInt32BE(v, i * 4));
  return Buffer.concat([encodeName(NAME_SERVER), encodeName(HOSTMASTER), counters]);
}

/** A zone's whole SOA record, owner written out, for the authority section of negative answers. */
export function encodeSoaRecord(zone: string, negativeTtlSeconds: number): Buffer {
  const rdata = encodeSoaRdata(negativeTtlSeconds);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_SOA, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(negativeTtlSeconds, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(zone), fixed, rdata]);
}

export class ResponseEncoder {
  private readonly soaRecords = new Map<string, Buffer>();
  private readonly soaRdata: Buffer;
  private readonly nsRdata = encodeName(NAME_SERVER);
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly maxUdp: number;

  constructor(config: EncoderConfig) {
    this.ttl = config.ttlSeconds >>> 0;
    this.negativeTtl = config.negativeTtlSeconds >>> 0;
    this.soaRdata = encodeSoaRdata(this.negativeTtl);
    this.maxUdp = config.maxUdpPayloadSize;
  }

  /** Most we may send this client over UDP: 512 unless its OPT says more, capped by our own limit. */
  udpLimit(q: ParsedQuery): number {
    if (!q.hasOpt) return 512;
    return Math.max(512, Math.min(q.udpPayloadSize, this.maxUdp));
  }

  /**
   * A response echoing the question, with `content.records` as answers and, when
   * `content.soaZone` is given, that zone's SOA as authority. `framing` is 2 for TCP:
   * the length prefix is written into the same buffer so a TCP answer is one
   * allocation, one write. Over `limit`, UDP (`truncate`) sends just the
   * question with TC set; TCP keeps as many answers as fit. Returns null when
   * a record cannot be encoded (an address that is not IPv4, a bad target).
   */
  encode(msg: Buffer, q: ParsedQuery, content: ResponseContent, limit: number, truncate: boolean, framing: 0 | 2): Buffer | null {
    if (!this.plan(q, content.records, content.soaZone, limit, truncate)) return null;
    const out = Buffer.allocUnsafe(framing + this.size);
    if (framing === 2) writeU16(out, 0, this.size);
    return this.write(out, framing, msg, q, content.rcode, content.records) < 0 ? null : out;
  }

  /**
   * The same, unframed, written into `out` at `at` (a batch's answer slab):
   * nothing allocated for an A answer. Returns the answer's length, or -1
   * where encode returns null or it does not fit.
   */
  encodeInto(out: Buffer, at: number, msg: Buffer, q: ParsedQuery, content: ResponseContent, limit: number): number {
    if (!this.plan(q, content.records, content.soaZone, limit, true) || at + this.size > out.length) return -1;
    return this.write(out, at, msg, q, content.rcode, content.records) < 0 ? -1 : this.size;
  }

  // The layout plan() chose for the answer being made: encoding is synchronous, so it is never shared.
  private size = 0;
  private answers = 0;
  private tc = false;
  private soa: Buffer | null = null;
  private targets: Array<Buffer | undefined> | null = null;

  /** Sizes the answer and decides what fits; false when a record cannot be encoded. */
  private plan(q: ParsedQuery, records: readonly LookupRecord[] | null, soaZone: string | null, limit: number, truncate: boolean): boolean {
    const questionLen = q.questionEnd - HEADER_SIZE;
    const optLen = q.hasOpt ? OPT_RECORD_SIZE : 0;
    let answers = records === null ? 0 : records.length;
    // Only PTR targets need encoding per answer; A, SOA and NS are fixed or cached.
    let targets: Array<Buffer | undefined> | null = null;
    let answerLen = 0;
    for (let i = 0; i < answers; i++) {
      const r = records![i]!;
      if (r.type === 'PTR') {
        let wire: Buffer;
        try {
          wire = encodeName(r.target);
        } catch {
          return false;
        }
        (targets ??= [])[i] = wire;
      }
      answerLen += this.recordSize(r, targets?.[i]);
    }
    let soa = soaZone === null ? null : this.soaRecord(soaZone);
    if (soaZone !== null && soa === null) return false;
    let size = HEADER_SIZE + questionLen + answerLen + (soa?.length ?? 0) + optLen;
    let tc = false;
    if (size > limit) {
      if (truncate) {
        tc = true;
        answers = 0;
        answerLen = 0;
        soa = null;
      } else {
        const room = limit - (HEADER_SIZE + questionLen + (soa?.length ?? 0) + optLen);
        answerLen = 0;
        let kept = 0;
        while (kept < answers && answerLen + this.recordSize(records![kept]!, targets?.[kept]) <= room) {
          answerLen += this.recordSize(records![kept]!, targets?.[kept]);
          kept++;
        }
        answers = kept;
      }
      size = HEADER_SIZE + questionLen + answerLen + (soa?.length ?? 0) + optLen;
    }
    this.size = size;
    this.answers = answers;
    this.tc = tc;
    this.soa = soa;
    this.targets = targets;
    return true;
  }

  /** Writes the planned answer at `o`; the offset after it, or -1. */
  private write(out: Buffer, o: number, msg: Buffer, q: ParsedQuery, rcode: number, records: readonly LookupRecord[] | null): number {
    const { answers, soa, targets } = this;
    o = writeHeader(out, o, q, rcode, this.tc, 1, answers, soa === null ? 0 : 1, q.hasOpt ? 1 : 0);
    msg.copy(out, o, HEADER_SIZE, q.questionEnd);
    o += q.questionEnd - HEADER_SIZE;
    for (let i = 0; i < answers; i++) {
      o = this.writeRecord(out, o, records![i]!, targets?.[i]);
      if (o < 0) return -1;
    }
    if (soa !== null) o += soa.copy(out, o);
    if (q.hasOpt) {
      writeOpt(out, o, rcode, q.dnssecOk, this.maxUdp);
      o += OPT_RECORD_SIZE;
    }
    return o;
  }

  /** Header only, for FORMERR and NOTIMP, where the question may not be readable. */
  headerOnly(q: ParsedQuery, rcode: number, framing: 0 | 2): Buffer {
    const out = Buffer.allocUnsafe(framing + HEADER_SIZE);
    if (framing === 2) writeU16(out, 0, HEADER_SIZE);
    writeHeader(out, framing, q, rcode, false, 0, 0, 0, 0);
    return out;
  }

  /** headerOnly written into `out` at `at`; its length. */
  headerOnlyInto(out: Buffer, at: number, q: ParsedQuery, rcode: number): number {
    return writeHeader(out, at, q, rcode, false, 0, 0, 0, 0) - at;
  }

  private recordSize(r: LookupRecord, target: Buffer | undefined): number {
    switch (r.type) {
      case 'A':
        return A_RECORD_SIZE;
      case 'PTR':
        return RR_FIXED + target!.length;
      case 'SOA':
        return RR_FIXED + this.soaRdata.length;
      case 'NS':
        return RR_FIXED + this.nsRdata.length;
      default:
        return RR_FIXED;
    }
  }

  /** One answer record owned by the question's name; the offset after it, or -1. */
  private writeRecord(out: Buffer, o: number, r: LookupRecord, target: Buffer | undefined): number {
    out[o] = 0xc0; // pointer to the question name, at offset 12 of the message
    out[o + 1] = HEADER_SIZE;
    writeU16(out, o + 4, CLASS_IN);
    switch (r.type) {
      case 'A':
        writeU16(out, o + 2, TYPE_A);
        writeU32(out, o + 6, this.ttl);
        writeU16(out, o + 10, 4);
        return writeIpv4(r.address, out, o + 12) ? o + A_RECORD_SIZE : -1;
      case 'PTR':
        return writeRdata(out, o, TYPE_PTR, this.ttl, target!);
      case 'SOA':
        // The SOA's own TTL is the negative TTL too: RFC 2308 caps a miss by the lower of the two.
        return writeRdata(out, o, TYPE_SOA, this.negativeTtl, this.soaRdata);
      case 'NS':
        return writeRdata(out, o, TYPE_NS, this.ttl, this.nsRdata);
      default:
        return -1;
    }
  }

  private soaRecord(zone: string): Buffer | null {
    let record = this.soaRecords.get(zone);
    if (record === undefined) {
      try {
        record = encodeSoaRecord(zone, this.negativeTtl);
      } catch {
        return null;
      }
      if (this.soaRecords.size >= MAX_CACHED_ZONES) this.soaRecords.clear();
      this.soaRecords.set(zone, record);
    }
    return record;
  }
}

function writeRdata(out: Buffer, o: number, type: number, ttl: number, rdata: Buffer): number {
  writeU16(out, o + 2, type);
  writeU32(out, o + 6, ttl);
  writeU16(out, o + 10, rdata.length);
  return o + RR_FIXED + rdata.copy(out, o + RR_FIXED);
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
