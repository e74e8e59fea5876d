// Query bytes in, response bytes out: the policy of the server (who gets
// REFUSED, what a lookup result becomes on the wire), shared by UDP and TCP.
// Pure apart from calling the lookup, so it is tested without sockets.

import {
  CLASS_ANY,
  CLASS_IN,
  MAX_TCP_MESSAGE,
  Rcode,
  TYPE_AXFR,
  TYPE_IXFR,
  TYPE_OPT,
} from './wire/constants.js';
import { ResponseEncoder, type EncoderConfig, type ResponseContent } from './wire/encode-response.js';
import { NetworkOptionReader } from './wire/network-option.js';
import { newParsedQuery, ParseOutcome, parseQuery } from './wire/parse-query.js';
import { recordTypeName } from './wire/record-type-name.js';
import type { Lookup, LookupRecord, LookupResult } from './lookup.js';

export type Transport = 'udp' | 'tcp';

const Decision = { DROP: 0, HEADER_ONLY: 1, ANSWER: 2 } as const;
type Decision = (typeof Decision)[keyof typeof Decision];

export interface ResponderConfig extends EncoderConfig {
  readonly lookup: Lookup;
  readonly onError: (error: unknown) => void;
  /** When set, option 65001 must carry a MAC of the network id under it (see network-option.ts). */
  readonly forwarderSecret?: string | null;
  /** Told of every answer: its rcode and the time spent making it, in ms (for metrics; a query dropped unanswered is not). */
  readonly onAnswer?: ((rcode: number, ms: number) => void) | undefined;
}

export class Responder {
  private readonly encoder: ResponseEncoder;
  private readonly lookup: Lookup;
  private readonly onError: (error: unknown) => void;
  private readonly networks: NetworkOptionReader;
  private readonly onAnswer: ResponderConfig['onAnswer'];
  // One parse target reused for every query: handling is synchronous, so it is never shared.
  private readonly q = newParsedQuery();
  // The answer being made (see decide), reused for every query.
  private readonly content: ResponseContent = { rcode: 0, records: null, soaZone: null };

  constructor(config: ResponderConfig) {
    this.encoder = new ResponseEncoder(config);
    this.lookup = config.lookup;
    this.onError = config.onError;
    this.networks = new NetworkOptionReader(config.forwarderSecret);
    this.onAnswer = config.onAnswer;
  }

  /**
   * The response to one query, or null when it deserves none. Over TCP the
   * buffer starts with the 2-byte length prefix.
   */
  respond(msg: Buffer, transport: Transport): Buffer | null {
    const start = this.onAnswer ? performance.now() : 0;
    const tcp = transport === 'tcp';
    const framing = tcp ? 2 : 0;
    let out: Buffer | null;
    switch (this.decide(msg, msg.length)) {
      case Decision.DROP:
        return null;
      case Decision.HEADER_ONLY:
        out = this.encoder.headerOnly(this.q, this.content.rcode, framing);
        break;
      default: {
        const limit = tcp ? MAX_TCP_MESSAGE : this.encoder.udpLimit(this.q);
        out = this.encoder.encode(msg, this.q, this.content, limit, !tcp, framing);
        if (out === null) {
          this.unencodable();
          out = this.encoder.encode(msg, this.q, this.content, limit, !tcp, framing)!;
        }
      }
    }
    this.onAnswer?.(this.content.rcode, performance.now() - start);
    return out;
  }

  /**
   * The UDP answer to the query in msg[0, length), written into `out` at `at`
   * (a batch's answer slab, with room there for the largest UDP answer we
   * send): its length, or 0 when the query deserves none. `truncated` says
   * the datagram was longer than its slot (MSG_TRUNC): answered FORMERR, as
   * what is missing cannot be read.
   */
  respondInto(msg: Buffer, length: number, truncated: boolean, out: Buffer, at = 0): number {
    const start = this.onAnswer ? performance.now() : 0;
    let decision = this.decide(msg, length);
    if (truncated && decision !== Decision.DROP) {
      decision = Decision.HEADER_ONLY;
      this.content.rcode = Rcode.FORMERR;
    }
    let n: number;
    switch (decision) {
      case Decision.DROP:
        return 0;
      case Decision.HEADER_ONLY:
        n = this.encoder.headerOnlyInto(out, at, this.q, this.content.rcode);
        break;
      default: {
        const limit = this.encoder.udpLimit(this.q);
        n = this.encoder.encodeInto(out, at, msg, this.q, this.content, limit);
        if (n < 0) {
          this.unencodable();
          n = this.encoder.encodeInto(out, at, msg, this.q, this.content, limit);
        }
      }
    }
    this.onAnswer?.(this.content.rcode, performance.now() - start);
    return n;
  }

  /**
   * The policy: what the query gets, left in this.content (handling is
   * synchronous, so it is never shared).
   */
  private decide(msg: Buffer, length: number): Decision {
    const q = this.q;
    switch (parseQuery(msg, q, length)) {
      case ParseOutcome.DROP:
        return Decision.DROP;
      case ParseOutcome.FORMERR:
        return this.headerOnly(Rcode.FORMERR);
      case ParseOutcome.NOTIMP:
        return this.headerOnly(Rcode.NOTIMP);
    }

    if (q.hasOpt && q.ednsVersion !== 0) return this.answer(Rcode.BADVERS);
    if (q.qtype === TYPE_OPT) return this.answer(Rcode.FORMERR);
    // No network, no view. REFUSED rather than NXDOMAIN, so a forwarder that
    // forgot the option (or, with a secret, its MAC) is told apart from a
    // missing name; the same for every id, so nothing hints which exist.
    const networkId = this.networks.read(msg, q.networkOptionStart, q.networkOptionEnd);
    if (networkId === null) return this.answer(Rcode.REFUSED);
    if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) return this.answer(Rcode.REFUSED);
    if (q.qtype === TYPE_AXFR || q.qtype === TYPE_IXFR) return this.answer(Rcode.REFUSED);

    let result: LookupResult;
    try {
      result = this.lookup(networkId, q.qname, recordTypeName(q.qtype));
    } catch (error) {
      this.onError(error);
      return this.answer(Rcode.SERVFAIL);
    }
    switch (result?.kind) {
      case 'answer':
        return this.answer(Rcode.NOERROR, result.records);
      case 'nodata':
        return this.answer(Rcode.NOERROR, null, result.zone);
      case 'nxdomain':
        return this.answer(Rcode.NXDOMAIN, null, result.zone);
      case 'refused':
        return this.answer(Rcode.REFUSED);
      default:
        // Only reachable from untyped callers; answered, never thrown, like every other fault.
        this.onError(new Error(`lookup returned an unknown result: ${String((result as { kind?: unknown } | null)?.kind)}`));
        return this.answer(Rcode.SERVFAIL);
    }
  }

  private answer(rcode: number, records: readonly LookupRecord[] | null = null, soaZone: string | null = null): Decision {
    this.content.rcode = rcode;
    this.content.records = records;
    this.content.soaZone = soaZone;
    return Decision.ANSWER;
  }

  private headerOnly(rcode: number): Decision {
    this.answer(rcode);
    return Decision.HEADER_ONLY;
  }

  /** A record the encoder refused: reported, and the content made a bare SERVFAIL to answer instead. */
  private unencodable(): void {
    this.onError(new Error(`lookup returned a record that cannot be encoded (an address that is not IPv4, a bad name) for ${this.q.qname}`));
    this.answer(Rcode.SERVFAIL);
  }
}
