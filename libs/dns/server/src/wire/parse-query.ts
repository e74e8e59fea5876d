// Reads the parts of a query the server acts on, straight from the bytes,
// into one reused object: a full decode (dns-packet) allocates objects for
// every section and was the main cost of a naive server.

import {
  CLASSIC_UDP_SIZE,
  FLAG_QR,
  HEADER_SIZE,
  NETWORK_ID_OPTION_CODE,
  TYPE_OPT,
} from './constants.js';

export interface ParsedQuery {
  id: number;
  flags: number;
  /** [12, questionEnd) is the question as sent; it is echoed verbatim so the name keeps its case. */
  questionEnd: number;
  /** Lower-case, no trailing dot, special bytes escaped (see Lookup). */
  qname: string;
  qtype: number;
  qclass: number;
  hasOpt: boolean;
  udpPayloadSize: number;
  ednsVersion: number;
  dnssecOk: boolean;
  /**
   * Where the data of the network option (65001) lies in the message,
   * [networkOptionStart, networkOptionEnd); -1 when it is absent or given
   * twice (ambiguous: refused rather than picking one). What it says is read
   * by network-option.ts, which knows whether a MAC must come with it.
   */
  networkOptionStart: number;
  networkOptionEnd: number;
}

export const ParseOutcome = {
  OK: 0,
  /** Not worth a reply: no readable header, or a response (replying could loop). */
  DROP: 1,
  FORMERR: 2,
  NOTIMP: 3,
} as const;
export type ParseOutcome = (typeof ParseOutcome)[keyof typeof ParseOutcome];

export function newParsedQuery(): ParsedQuery {
  return {
    id: 0,
    flags: 0,
    questionEnd: HEADER_SIZE,
    qname: '',
    qtype: 0,
    qclass: 0,
    hasOpt: false,
    udpPayloadSize: CLASSIC_UDP_SIZE,
    ednsVersion: 0,
    dnssecOk: false,
    networkOptionStart: -1,
    networkOptionEnd: -1,
  };
}

// Worst case: 255 wire bytes, each escaped as `\DDD`.
const nameScratch = Buffer.allocUnsafe(255 * 4);

/**
 * Reads the query in msg[0, length): `length` lets a batch hand over a slot of
 * a larger receive slab without making a view of it (length defaults to the whole buffer).
 */
export function parseQuery(msg: Buffer, q: ParsedQuery, length = msg.length): ParseOutcome {
  const end = Math.min(length, msg.length);
  if (end < HEADER_SIZE) return ParseOutcome.DROP;
  q.id = (msg[0]! << 8) | msg[1]!;
  q.flags = (msg[2]! << 8) | msg[3]!;
  q.hasOpt = false;
  q.networkOptionStart = -1;
  q.networkOptionEnd = -1;
  q.questionEnd = HEADER_SIZE;
  if (q.flags & FLAG_QR) return ParseOutcome.DROP;
  if (((q.flags >> 11) & 0xf) !== 0) return ParseOutcome.NOTIMP;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  if (qdcount !== 1) return ParseOutcome.FORMERR;

  let off = readQname(msg, q, end);
  if (off < 0 || off + 4 > end) return ParseOutcome.FORMERR;
  q.qtype = (msg[off]! << 8) | msg[off + 1]!;
  q.qclass = (msg[off + 2]! << 8) | msg[off + 3]!;
  off += 4;
  q.questionEnd = off;

  // Answer and authority sections are unusual in a query; skip them to reach the OPT.
  const skipped = ((msg[6]! << 8) | msg[7]!) + ((msg[8]! << 8) | msg[9]!);
  for (let i = 0; i < skipped; i++) {
    off = skipRecord(msg, off, end);
    if (off < 0) return ParseOutcome.FORMERR;
  }
  const arcount = (msg[10]! << 8) | msg[11]!;
  let networkIds = 0;
  for (let i = 0; i < arcount; i++) {
    const nameStart = off;
    const nameEnd = skipName(msg, off, end);
    if (nameEnd < 0 || nameEnd + 10 > end) return ParseOutcome.FORMERR;
    const type = (msg[nameEnd]! << 8) | msg[nameEnd + 1]!;
    const rdStart = nameEnd + 10;
    const rdEnd = rdStart + ((msg[nameEnd + 8]! << 8) | msg[nameEnd + 9]!);
    if (rdEnd > end) return ParseOutcome.FORMERR;
    if (type === TYPE_OPT) {
      // RFC 6891 §6.1.1: one OPT, owned by the root; anything else is a FORMERR.
      if (q.hasOpt || nameEnd !== nameStart + 1) return ParseOutcome.FORMERR;
      q.hasOpt = true;
      q.udpPayloadSize = (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!;
      q.ednsVersion = msg[nameEnd + 5]!;
      q.dnssecOk = (msg[nameEnd + 6]! & 0x80) !== 0;
      for (let o = rdStart; o < rdEnd; ) {
        if (o + 4 > rdEnd) return ParseOutcome.FORMERR;
        const code = (msg[o]! << 8) | msg[o + 1]!;
        const len = (msg[o + 2]! << 8) | msg[o + 3]!;
        const dataStart = o + 4;
        o = dataStart + len;
        if (o > rdEnd) return ParseOutcome.FORMERR;
        if (code === NETWORK_ID_OPTION_CODE) {
          networkIds++;
          q.networkOptionStart = dataStart;
          q.networkOptionEnd = o;
        }
      }
    }
    off = rdEnd;
  }
  // Two network ids is ambiguous: refuse rather than pick one.
  if (networkIds > 1) q.networkOptionStart = q.networkOptionEnd = -1;
  return ParseOutcome.OK;
}

/** Decodes the question name into q.qname; returns the offset after it, or -1. */
function readQname(msg: Buffer, q: ParsedQuery, end: number): number {
  let off = HEADER_SIZE;
  let out = 0;
  let wire = 1; // the root label's length byte
  for (;;) {
    if (off >= end) return -1;
    const len = msg[off++]!;
    if (len === 0) break;
    // Compression pointers (0xC0) could only point back into the header here,
    // and 0x40/0x80 label types are obsolete: both are malformed in a question.
    if (len > 63) return -1;
    wire += len + 1;
    if (wire > 255 || off + len > end) return -1;
    if (out > 0) nameScratch[out++] = 0x2e;
    for (const stop = off + len; off < stop; off++) {
      const c = msg[off]!;
      if (c >= 0x41 && c <= 0x5a) nameScratch[out++] = c | 0x20;
      else if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) nameScratch[out++] = c;
      else out = writeEscaped(c, out);
    }
  }
  q.qname = nameScratch.toString('latin1', 0, out);
  return off;
}

function writeEscaped(c: number, out: number): number {
  nameScratch[out++] = 0x5c;
  if (c === 0x2e || c === 0x5c) {
    nameScratch[out++] = c;
  } else {
    nameScratch[out++] = 0x30 + Math.floor(c / 100);
    nameScratch[out++] = 0x30 + (Math.floor(c / 10) % 10);
    nameScratch[out++] = 0x30 + (c % 10);
  }
  return out;
}

/** Offset after a (possibly compressed) name, or -1. */
function skipName(msg: Buffer, off: number, end: number): number {
  for (let labels = 0; labels < 128; labels++) {
    if (off >= end) return -1;
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= end ? off + 2 : -1;
    if (len > 63) return -1;
    off += len + 1;
  }
  return -1;
}

function skipRecord(msg: Buffer, off: number, end: number): number {
  const nameEnd = skipName(msg, off, end);
  if (nameEnd < 0 || nameEnd + 10 > end) return -1;
  const recordEnd = nameEnd + 10 + ((msg[nameEnd + 8]! << 8) | msg[nameEnd + 9]!);
  return recordEnd <= end ? recordEnd : -1;
}
