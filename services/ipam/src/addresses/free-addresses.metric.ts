// Free addresses per network, for the networks this ipam instance has cached
// (the ones it has allocated in lately): counting across every network would
// mean reading every network stream on each scrape. Computed when scraped.
import type { NetworkState } from '@pn/ipam-domain';
import type { Metrics } from '@pn/service-kit';

export function registerFreeAddresses(metrics: Metrics, networks: { cachedStates(): Iterable<[string, NetworkState]> }): void {
  metrics.gauge({
    name: 'pn_ipam_free_addresses',
    help: 'Addresses a network could still hand out (not held, not quarantined), for the networks this ipam instance has cached',
    labelNames: ['network'],
    collect() {
      this.reset(); // a network evicted from the cache leaves the answer
      for (const [streamId, state] of networks.cachedStates()) {
        this.set({ network: streamId.slice('network-'.length) }, state.space.freeCount());
      }
    },
  });
}
