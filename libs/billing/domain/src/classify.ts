// The classification rules, at the flow's time, by who held each end then.
// Checked in this order; the first that applies decides:
//   1. a private (RFC 1918) end that no resource of the network held → rejected
//   2. both ends private (so both resources of the network)          → private, free
//   3. a private destination, public source                         → ingress, free, to the destination
//   4. a resource source (private, or its public address), public
//      destination held by a resource of the same account            → hairpin, billed, with a hint
//   5. a resource source, any other public destination               → egress, billed to the source
//   6. neither end ours (public to public)                           → rejected
import { isPrivateAddress } from './ipv4.js';
import type { Holder } from './ownership.js';

export type FlowClass = 'private' | 'egress' | 'ingress' | 'hairpin' | 'rejected';

export interface Lookup {
  privateHolder(networkId: string, ip: string, atMs: number): Holder | undefined;
  publicHolder(ip: string, atMs: number): Holder | undefined;
}

export interface Classification {
  readonly class: FlowClass;
  /** Whom the bytes are attributed to: the source for private/egress/hairpin, the destination for ingress. */
  readonly holder?: Holder;
  /** Hairpin: the resource whose public address was reached (its private name would have been free). */
  readonly target?: Holder;
  readonly reason?: string;
}

export interface Endpoints {
  readonly networkId: string;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly atMs: number;
}

const holderOf = (lookup: Lookup, networkId: string, ip: string, atMs: number) =>
  isPrivateAddress(ip) ? lookup.privateHolder(networkId, ip, atMs) : lookup.publicHolder(ip, atMs);

export function classify(flow: Endpoints, lookup: Lookup): Classification {
  const { networkId, srcIp, dstIp, atMs } = flow;
  const src = holderOf(lookup, networkId, srcIp, atMs);
  const dst = holderOf(lookup, networkId, dstIp, atMs);
  const srcPrivate = isPrivateAddress(srcIp);
  const dstPrivate = isPrivateAddress(dstIp);
  if (srcPrivate && !src) return { class: 'rejected', ...(dst ? { holder: dst } : {}), reason: `no resource of ${networkId} held ${srcIp} then` };
  if (dstPrivate && !dst) return { class: 'rejected', ...(src ? { holder: src } : {}), reason: `no resource of ${networkId} held ${dstIp} then` };
  if (srcPrivate && dstPrivate) return { class: 'private', holder: src! };
  if (dstPrivate) return { class: 'ingress', holder: dst! };
  if (src && dst && dst.accountId === src.accountId) return { class: 'hairpin', holder: src, target: dst };
  if (src) return { class: 'egress', holder: src };
  return { class: 'rejected', ...(dst ? { holder: dst } : {}), reason: 'neither end was a resource then' };
}

/** Whether the bytes of a class are billed as egress. */
export const isBilled = (c: FlowClass): boolean => c === 'egress' || c === 'hairpin';
