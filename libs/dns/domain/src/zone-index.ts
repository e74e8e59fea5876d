// The read model the DNS server answers from: per network, every hostname and
// the resources that claim it, oldest first. The oldest holds the name; when
// it goes, the next oldest takes it over. Applying an event twice changes
// nothing, so at-least-once delivery is safe.
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { hostnamesFor } from '@pn/contracts';
import type { ZoneEvent } from './zone.js';

interface Claim {
  readonly resourceId: string;
  readonly createdAtMs: number;
  readonly ip: string;
}

interface Network {
  readonly byName: Map<string, Claim[]>;
  readonly byResource: Map<string, { hostnames: string[]; claim: Claim }>;
}

type SavedClaim = [resourceId: string, createdAtMs: number, ip: string, hostnames: string[]];
type SavedNetwork = [networkId: string, claims: SavedClaim[]];

export type ZoneAnswer = { readonly kind: 'answer'; readonly addresses: string[] } | { readonly kind: 'nxdomain' };

export class ZoneIndex {
  private readonly networks = new Map<string, Network>();

  apply(event: ZoneEvent): void {
    switch (event.type) {
      case 'RecordsRegistered': {
        const { networkId, resourceId, kind, name, ip, resourceCreatedAt } = event.data;
        const network = this.network(networkId);
        this.remove(network, resourceId);
        const claim = { resourceId, ip, createdAtMs: resourceCreatedAt ? timestampMs(resourceCreatedAt) : 0 };
        const hostnames = hostnamesFor(kind, name, resourceId);
        for (const hostname of hostnames) insertOrdered(network.byName, hostname, claim);
        network.byResource.set(resourceId, { hostnames, claim });
        return;
      }
      case 'RecordsRemoved': {
        const network = this.networks.get(event.data.networkId);
        if (network) this.remove(network, event.data.resourceId);
        return;
      }
    }
  }

  /** Every claim as plain data, for a checkpoint; the name index is rebuilt from them. */
  toJson(): SavedNetwork[] {
    return [...this.networks].map(([networkId, network]) => [
      networkId,
      [...network.byResource.values()].map(({ hostnames, claim }) => [claim.resourceId, claim.createdAtMs, claim.ip, hostnames] as SavedClaim),
    ]);
  }

  static fromJson(json: unknown): ZoneIndex {
    const index = new ZoneIndex();
    for (const [networkId, claims] of json as SavedNetwork[]) {
      const network = index.network(networkId);
      for (const [resourceId, createdAtMs, ip, hostnames] of claims) {
        const claim = { resourceId, createdAtMs, ip };
        for (const hostname of hostnames) insertOrdered(network.byName, hostname, claim);
        network.byResource.set(resourceId, { hostnames, claim });
      }
    }
    return index;
  }

  /** `qname` lower-case without the trailing dot. */
  lookup(networkId: string, qname: string): ZoneAnswer {
    const holder = this.networks.get(networkId)?.byName.get(qname)?.[0];
    return holder ? { kind: 'answer', addresses: [holder.ip] } : { kind: 'nxdomain' };
  }

  private network(networkId: string): Network {
    let network = this.networks.get(networkId);
    if (!network) {
      network = { byName: new Map(), byResource: new Map() };
      this.networks.set(networkId, network);
    }
    return network;
  }

  private remove(network: Network, resourceId: string): void {
    const existing = network.byResource.get(resourceId);
    if (!existing) return;
    for (const hostname of existing.hostnames) {
      const claims = network.byName.get(hostname)?.filter((c) => c.resourceId !== resourceId) ?? [];
      if (claims.length > 0) network.byName.set(hostname, claims);
      else network.byName.delete(hostname);
    }
    network.byResource.delete(resourceId);
  }
}

const older = (a: Claim, b: Claim) =>
  a.createdAtMs !== b.createdAtMs ? a.createdAtMs < b.createdAtMs : a.resourceId < b.resourceId;

function insertOrdered(byName: Map<string, Claim[]>, hostname: string, claim: Claim): void {
  const claims = byName.get(hostname) ?? [];
  let i = claims.length;
  while (i > 0 && older(claim, claims[i - 1]!)) i--;
  claims.splice(i, 0, claim);
  byName.set(hostname, claims);
}
