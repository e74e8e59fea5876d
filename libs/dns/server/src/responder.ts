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
import { ResponseEncoder, type EncoderConfig } from './wire/encode-response.js';
import { NetworkOptionReader } from './wire/network-option.js';
import { newParsedQuery, ParseOutcome, parseQuery, type ParsedQuery } from './wire/parse-query.js';
import { recordTypeName } from './wire/record-type-name.js';
import type { Lookup, LookupRecord, LookupResult } from './lookup.js';

export type Transport = 'udp' | 'tcp';

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
  // The rcode of the answer being made, for onAnswer (set where the answer is encoded).
  private rcode = 0;

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
    const onAnswer = this.onAnswer;
    if (!onAnswer) return this.answer(msg, transport);
    const start = performance.now();
    const out = this.answer(msg, transport);
    if (out !== null) onAnswer(this.rcode, performance.now() - start);
    return out;
  }

  private answer(msg: Buffer, transport: Transport): Buffer | null {
    const q = this.q;
    const framing = transport === 'tcp' ? 2 : 0;
    switch (parseQuery(msg, q)) {
      case ParseOutcome.DROP:
        return null;
      case ParseOutcome.FORMERR:
        this.rcode = Rcode.FORMERR;
        return this.encoder.headerOnly(q, Rcode.FORMERR, framing);
      case ParseOutcome.NOTIMP:
        this.rcode = Rcode.NOTIMP;
        return this.encoder.headerOnly(q, Rcode.NOTIMP, framing);
    }

    if (q.hasOpt && q.ednsVersion !== 0) return this.reply(msg, q, transport, Rcode.BADVERS);
    if (q.qtype === TYPE_OPT) return this.reply(msg, q, transport, Rcode.FORMERR);
    // No network, no view. REFUSED rather than NXDOMAIN, so a forwarder that
    // forgot the option (or, with a secret, its MAC) is told apart from a
    // missing name; the same for every id, so nothing hints which exist.
    const networkId = this.networks.read(msg, q.networkOptionStart, q.networkOptionEnd);
    if (networkId === null) return this.reply(msg, q, transport, Rcode.REFUSED);
    if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) return this.reply(msg, q, transport, Rcode.REFUSED);
    if (q.qtype === TYPE_AXFR || q.qtype === TYPE_IXFR) return this.reply(msg, q, transport, Rcode.REFUSED);

    let result: LookupResult;
    try {
      result = this.lookup(networkId, q.qname, recordTypeName(q.qtype));
    } catch (error) {
      this.onError(error);
      return this.reply(msg, q, transport, Rcode.SERVFAIL);
    }
    switch (result?.kind) {
      case 'answer':
        return this.reply(msg, q, transport, Rcode.NOERROR, result.records);
      case 'nodata':
        return this.reply(msg, q, transport, Rcode.NOERROR, null, result.zone);
      case 'nxdomain':
        return this.reply(msg, q, transport, Rcode.NXDOMAIN, null, result.zone);
      case 'refused':
        return this.reply(msg, q, transport, Rcode.REFUSED);
      default:
        // Only reachable from untyped callers; answered, never thrown, like every other fault.
        this.onError(new Error(`lookup returned an unknown result: ${String((result as { kind?: unknown } | null)?.kind)}`));
        return this.reply(msg, q, transport, Rcode.SERVFAIL);
    }
  }

  private reply(
    msg: Buffer,
    q: ParsedQuery,
    transport: Transport,
    rcode: number,
    records: readonly LookupRecord[] | null = null,
    soaZone: string | null = null,
  ): Buffer {
    const tcp = transport === 'tcp';
    const limit = tcp ? MAX_TCP_MESSAGE : this.encoder.udpLimit(q);
    const framing = tcp ? 2 : 0;
    const out = this.encoder.encode(msg, q, rcode, records, soaZone, limit, !tcp, framing);
    this.rcode = out === null ? Rcode.SERVFAIL : rcode;
    if (out !== null) return out;
    this.onError(new Error(`lookup returned a record that cannot be encoded (an address that is not IPv4, a bad name) for ${q.qname}`));
    return this.encoder.encode(msg, q, Rcode.SERVFAIL, null, null, limit, !tcp, framing)!;
  }
}
