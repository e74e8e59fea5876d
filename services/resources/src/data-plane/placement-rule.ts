// Where a network lives: on one host, all its resources with it (one bridge
// per network; there is no overlay between hosts yet). A network is placed
// once, when its first resource needs a host, on the live host holding the
// fewest networks (ties to the smaller id, so instances that race choose
// alike); without a live host it waits, unplaced, for one.

export interface PlacementView {
  /** Hosts with a running agent now. */
  readonly liveHosts: readonly string[];
  /** How many networks each host holds (hosts absent hold none). */
  readonly networksOn: (hostId: string) => number;
}

/** The host for a network not placed yet; undefined while no host is live. */
export function chooseHost(view: PlacementView): string | undefined {
  let best: string | undefined;
  for (const host of view.liveHosts) {
    if (best === undefined) best = host;
    else {
      const [a, b] = [view.networksOn(host), view.networksOn(best)];
      if (a < b || (a === b && host < best)) best = host;
    }
  }
  return best;
}
