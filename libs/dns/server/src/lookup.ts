// The server's only view of the zones: given a network, a name and a type,
// what to say. Views, aliases, ownership and record rules live behind this
// function (answerInView in @pn/dns-domain, called by the dns service), so
// the wire server stays a codec with sockets.

/** A record of an answer; its owner is always the question's name, as asked (its case kept). */
export type LookupRecord =
  | { readonly type: 'A'; readonly address: string }
  /** Target in presentation form without the trailing dot (`web.vm.internal`). */
  | { readonly type: 'PTR'; readonly target: string }
  /** The SOA of the result's zone: `ns.internal`, `hostmaster.internal`, minimum = the negative TTL. */
  | { readonly type: 'SOA' }
  /** The name server of the zone: `ns.internal`. */
  | { readonly type: 'NS' };

/**
 * - `answer`: NOERROR with these records.
 * - `nodata`: the name exists without a record of that type → NOERROR + the zone's SOA.
 * - `nxdomain`: the name does not exist in this network → NXDOMAIN + the zone's SOA.
 * - `refused`: not a name this view is authoritative for → REFUSED.
 *
 * `zone` is the apex (`internal`, `0.10.in-addr.arpa`) whose SOA goes into
 * negative answers. Results are only read, never kept or changed.
 */
export type LookupResult =
  | { readonly kind: 'answer'; readonly zone: string; readonly records: readonly LookupRecord[] }
  | { readonly kind: 'nodata'; readonly zone: string }
  | { readonly kind: 'nxdomain'; readonly zone: string }
  | { readonly kind: 'refused' };

/**
 * Called synchronously for every served query.
 * `qname` is lower-case without the trailing dot (`web.vm.internal`, `` for the
 * root). Bytes that would make two names read alike are escaped as in zone
 * files (`\.`, `\\`, `\DDD`), so `a\.b` can never be mistaken for `a.b`.
 * `qtype` is the mnemonic (`A`, `AAAA`, `MX`, ...) or `TYPE<n>` (RFC 3597).
 * A throw is answered with SERVFAIL.
 */
export type Lookup = (networkId: string, qname: string, qtype: string) => LookupResult;
