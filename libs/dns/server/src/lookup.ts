// The server's only view of the zones: given a network and a name, what to say.
// Views, aliases and ownership rules live behind this function (in the dns
// service), so the wire server stays a codec with sockets.

/**
 * - `answer`: the name has A records (IPv4 dotted quads). Served as A records
 *   for A and ANY queries; for any other type it is served as NODATA, since the
 *   server only knows how to encode A.
 * - `nodata`: the name exists but has no record of that type → NOERROR + SOA.
 * - `nxdomain`: the name does not exist in this network → NXDOMAIN + SOA.
 *
 * Results are only read, never kept or changed, so a lookup may return the same
 * frozen object for every query (no allocation on the hot path).
 */
export type LookupResult =
  | { readonly kind: 'answer'; readonly addresses: readonly string[] }
  | { readonly kind: 'nodata' }
  | { readonly kind: 'nxdomain' };

/**
 * Called synchronously for every served query.
 * `qname` is lower-case without the trailing dot (`web.vm.internal`, `` for the
 * root). Bytes that would make two names read alike are escaped as in zone
 * files (`\.`, `\\`, `\DDD`), so `a\.b` can never be mistaken for `a.b`.
 * `qtype` is the mnemonic (`A`, `AAAA`, `MX`, ...) or `TYPE<n>` (RFC 3597).
 * A throw is answered with SERVFAIL.
 */
export type Lookup = (networkId: string, qname: string, qtype: string) => LookupResult;
