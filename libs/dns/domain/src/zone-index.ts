// The read model the DNS server answers from: per network, every hostname and
// the resources that claim it, oldest first, and every address with the
// resources that hold it, oldest first. The oldest holds the name (and the
// address's reverse name); when it goes, the next oldest takes it over.
// Applying an event twice changes nothing, so at-least-once delivery is safe.
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { hostnamesFor } from '@pn/contracts';
import { WatchedMap } from '@pn/decider';
import type { ViewAnswer } from './view-answer.js';
import type { ZoneEvent } from './zone.js';

export interface Claim {
  readonly resourceId: string;
  readonly createdAtMs: number;
  readonly ip: string;
  /** The resource's primary name (`web.vm.internal`), what its address's PTR points at. */
  readonly primary: string;
  /**
   * Its A answer, made on the first query for one of its names and handed out
   * from then on (view-answer.ts): the hot path allocates nothing for a hit.
   * Never serialised; a claim's address does not change.
   */
  answerA?: ViewAnswer;
}

/** What a resource holds in a network: every claim of the indexes is derived from these. */
export interface ClaimEntry {
  readonly hostnames: readonly string[];
  readonly claim: Claim;
}

interface Network {
  readonly id: string;
  readonly byName: Map<string, Claim[]>;
  readonly byAddress: Map<string, Claim[]>;
  /** How many resources hold names here. */
  resources: number;
  /**
   * Claims per address prefix of one, two and three octets (`10`, `10.0`,
   * `10.0.1`): the reverse names that exist without a PTR of their own, and
   * the /16 whose reverse zone this view serves.
   */
  readonly prefixes: Map<string, number>;
}

type SavedClaim = [resourceId: string, createdAtMs: number, ip: string, hostnames: string[]];
type SavedNetwork = [networkId: string, claims: SavedClaim[]];
/** A claim in a checkpoint entry (its key says the network and the resource). */
export type SavedClaimEntry = [createdAtMs: number, ip: string, hostnames: string[]];

/** The key of a resource's claims in `ZoneIndex.claims`. */
const claimKey = (networkId: string, resourceId: string) => `${networkId} ${resourceId}`;

export class ZoneIndex {
  private readonly networks = new Map<string, Network>();
  /**
   * Every resource's claims, by network and resource: the one table a
   * checkpoint keeps (the name and address indexes are rebuilt from it).
   */
  readonly claims = new WatchedMap<ClaimEntry>();
  private readonly listeners: Array<(networkId: string) => void> = [];

  apply(event: ZoneEvent): void {
    switch (event.type) {
      case 'RecordsRegistered': {
        const { networkId, resourceId, kind, name, ip, resourceCreatedAt } = event.data;
        const network = this.network(networkId);
        this.remove(network, resourceId);
        const hostnames = hostnamesFor(kind, name, resourceId);
        this.add(network, resourceId, resourceCreatedAt ? timestampMs(resourceCreatedAt) : 0, ip, hostnames);
        this.changed(networkId);
        return;
      }
      case 'RecordsRemoved': {
        const network = this.networks.get(event.data.networkId);
        if (network) this.remove(network, event.data.resourceId);
        this.changed(event.data.networkId);
        return;
      }
    }
  }

  /** Called after every change of a network's view (for caches of answers built from it). */
  onChange(listener: (networkId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Every claim as plain data, for a checkpoint; the name and address indexes are rebuilt from them. */
  toJson(): SavedNetwork[] {
    const networks = new Map<string, SavedClaim[]>();
    for (const [key, { hostnames, claim }] of this.claims) {
      const networkId = key.slice(0, key.indexOf(' '));
      const saved = networks.get(networkId) ?? [];
      saved.push([claim.resourceId, claim.createdAtMs, claim.ip, [...hostnames]]);
      networks.set(networkId, saved);
    }
    return [...networks];
  }

  /** One entry of `claims` as plain data, for a checkpoint. */
  static claimToJson({ hostnames, claim }: ClaimEntry): SavedClaimEntry {
    return [claim.createdAtMs, claim.ip, [...hostnames]];
  }

  /** Puts back one entry of `claims` read from a checkpoint. */
  restoreClaim(key: string, [createdAtMs, ip, hostnames]: SavedClaimEntry): void {
    const space = key.indexOf(' ');
    this.add(this.network(key.slice(0, space)), key.slice(space + 1), createdAtMs, ip, hostnames);
  }

  static fromJson(json: unknown): ZoneIndex {
    const index = new ZoneIndex();
    for (const [networkId, claims] of json as SavedNetwork[]) {
      const network = index.network(networkId);
      for (const [resourceId, createdAtMs, ip, hostnames] of claims) index.add(network, resourceId, createdAtMs, ip, hostnames);
    }
    return index;
  }

  /** The resource that holds `name` (lower case, no trailing dot) in the network, if any. */
  holderOfName(networkId: string, name: string): Claim | undefined {
    return this.networks.get(networkId)?.byName.get(name)?.[0];
  }

  /** The resource that holds the address in the network, if any. */
  holderOfAddress(networkId: string, ip: string): Claim | undefined {
    return this.networks.get(networkId)?.byAddress.get(ip)?.[0];
  }

  /** How many addresses of the network start with `prefix` (`10.0`, `10.0.1`): reverse names with nothing but names below. */
  addressesUnder(networkId: string, prefix: string): number {
    return this.networks.get(networkId)?.prefixes.get(prefix) ?? 0;
  }

  /** How many resources hold names in the network (for reports and tests). */
  size(networkId: string): number {
    return this.networks.get(networkId)?.resources ?? 0;
  }

  private network(networkId: string): Network {
    let network = this.networks.get(networkId);
    if (!network) {
      network = { id: networkId, byName: new Map(), byAddress: new Map(), resources: 0, prefixes: new Map() };
      this.networks.set(networkId, network);
    }
    return network;
  }

  private add(network: Network, resourceId: string, createdAtMs: number, ip: string, hostnames: readonly string[]): void {
    const claim: Claim = { resourceId, createdAtMs, ip, primary: hostnames[0] ?? '' };
    for (const hostname of hostnames) insertOrdered(network.byName, hostname, claim);
    insertOrdered(network.byAddress, ip, claim);
    for (const prefix of prefixesOf(ip)) network.prefixes.set(prefix, (network.prefixes.get(prefix) ?? 0) + 1);
    this.claims.set(claimKey(network.id, resourceId), { hostnames, claim });
    network.resources++;
  }

  private remove(network: Network, resourceId: string): void {
    const key = claimKey(network.id, resourceId);
    const existing = this.claims.get(key);
    if (!existing) return;
    for (const hostname of existing.hostnames) removeClaim(network.byName, hostname, resourceId);
    removeClaim(network.byAddress, existing.claim.ip, resourceId);
    for (const prefix of prefixesOf(existing.claim.ip)) {
      const left = (network.prefixes.get(prefix) ?? 1) - 1;
      if (left > 0) network.prefixes.set(prefix, left);
      else network.prefixes.delete(prefix);
    }
    this.claims.delete(key);
    network.resources--;
  }

  private changed(networkId: string): void {
    for (const listener of this.listeners) listener(networkId);
  }
}

/** `10.0.1.7` → `10`, `10.0`, `10.0.1`. */
function prefixesOf(ip: string): string[] {
  const parts = ip.split('.');
  return [1, 2, 3].filter((n) => parts.length > n).map((n) => parts.slice(0, n).join('.'));
}

const older = (a: Claim, b: Claim) =>
  a.createdAtMs !== b.createdAtMs ? a.createdAtMs < b.createdAtMs : a.resourceId < b.resourceId;

function insertOrdered(byKey: Map<string, Claim[]>, key: string, claim: Claim): void {
  const claims = byKey.get(key) ?? [];
  let i = claims.length;
  while (i > 0 && older(claim, claims[i - 1]!)) i--;
  claims.splice(i, 0, claim);
  byKey.set(key, claims);
}

function removeClaim(byKey: Map<string, Claim[]>, key: string, resourceId: string): void {
  const claims = byKey.get(key)?.filter((c) => c.resourceId !== resourceId) ?? [];
  if (claims.length > 0) byKey.set(key, claims);
  else byKey.delete(key);
}
