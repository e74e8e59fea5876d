// What one network's view answers for a name and type: the record rules of
// the internal zones, pure, over the ZoneIndex.
//
// - `internal.` is the forward zone: SOA and NS at its apex, A for every name
//   a resource holds (bare names are answered from it too, as Superjolt does).
// - The reverse zone of the network's /16 (`0.10.in-addr.arpa` for
//   10.0.0.0/16) holds a PTR per address, pointing at its holder's primary
//   name. A view knows its /16 from its addresses; a reverse name outside it
//   is not ours to answer (REFUSED), which says nothing about other networks.
// - An existing name asked for a type it lacks (AAAA, MX, ...) is NODATA with
//   the zone's SOA; ANY gets one RRset only (RFC 8482).
// - Names that only have names below them (`vm.internal`, `1.0.10.in-addr.arpa`)
//   are NODATA, never NXDOMAIN: RFC 8020 lets a resolver treat NXDOMAIN as
//   "nothing below", and one that did would lose every VM name.
import type { ZoneIndex } from './zone-index.js';

export const FORWARD_ZONE = 'internal';
const REVERSE_SUFFIX = '.in-addr.arpa';
/** Names of the forward zone that exist only as parents of resource names. */
const STRUCTURAL_NAMES = new Set(['vm.internal', 'storage.internal']);

export type ViewRecord =
  | { readonly type: 'A'; readonly address: string }
  | { readonly type: 'PTR'; readonly target: string }
  /** The SOA of the answer's zone (its numbers are the server's configuration). */
  | { readonly type: 'SOA' }
  /** The zone's name server, `ns.internal`. */
  | { readonly type: 'NS' };

export type ViewAnswer =
  | { readonly kind: 'answer'; readonly zone: string; readonly records: readonly ViewRecord[] }
  | { readonly kind: 'nodata'; readonly zone: string }
  | { readonly kind: 'nxdomain'; readonly zone: string }
  | { readonly kind: 'refused' };

/** `qname` lower case, no trailing dot; `qtype` the mnemonic (`A`, `PTR`, `TYPE65`...). */
export function answerInView(index: ZoneIndex, networkId: string, qname: string, qtype: string): ViewAnswer {
  if (qname === 'in-addr.arpa' || qname.endsWith(REVERSE_SUFFIX)) return reverseAnswer(index, networkId, qname, qtype);
  return forwardAnswer(index, networkId, qname, qtype);
}

function forwardAnswer(index: ZoneIndex, networkId: string, qname: string, qtype: string): ViewAnswer {
  const zone = FORWARD_ZONE;
  const holder = index.holderOfName(networkId, qname);
  if (qname === zone) {
    if (qtype === 'SOA' || qtype === 'ANY') return { kind: 'answer', zone, records: [{ type: 'SOA' }] };
    if (qtype === 'NS') return { kind: 'answer', zone, records: [{ type: 'NS' }] };
  }
  if (holder) {
    if (qtype === 'A' || qtype === 'ANY') return (holder.answerA ??= { kind: 'answer', zone, records: [{ type: 'A', address: holder.ip }] });
    return { kind: 'nodata', zone };
  }
  if (qname === zone || STRUCTURAL_NAMES.has(qname)) return { kind: 'nodata', zone };
  return { kind: 'nxdomain', zone };
}

function reverseAnswer(index: ZoneIndex, networkId: string, qname: string, qtype: string): ViewAnswer {
  const labels = qname.slice(0, Math.max(0, qname.length - REVERSE_SUFFIX.length)).split('.').reverse();
  if (qname === 'in-addr.arpa' || labels.length < 2 || !isOctet(labels[0]!) || !isOctet(labels[1]!)) return { kind: 'refused' };
  const slash16 = `${labels[0]}.${labels[1]}`;
  if (index.addressesUnder(networkId, slash16) === 0) return { kind: 'refused' };
  const zone = `${labels[1]}.${labels[0]}${REVERSE_SUFFIX}`;
  if (labels.length > 4 || !labels.every(isOctet)) return { kind: 'nxdomain', zone };
  if (labels.length === 2) {
    if (qtype === 'SOA' || qtype === 'ANY') return { kind: 'answer', zone, records: [{ type: 'SOA' }] };
    if (qtype === 'NS') return { kind: 'answer', zone, records: [{ type: 'NS' }] };
    return { kind: 'nodata', zone };
  }
  if (labels.length === 3) {
    return index.addressesUnder(networkId, labels.join('.')) > 0 ? { kind: 'nodata', zone } : { kind: 'nxdomain', zone };
  }
  const holder = index.holderOfAddress(networkId, labels.join('.'));
  if (!holder) return { kind: 'nxdomain', zone };
  if (qtype === 'PTR' || qtype === 'ANY') return { kind: 'answer', zone, records: [{ type: 'PTR', target: holder.primary }] };
  return { kind: 'nodata', zone };
}

/** A decimal octet as an address is written: 0–255, no leading zero. */
function isOctet(label: string): boolean {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(label)) return false;
  return Number(label) <= 255;
}
