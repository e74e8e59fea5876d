// Each read model's lag, position, parked events and whether it has caught
// up, read from the Projections registry when scraped (nothing to keep up to
// date between scrapes, nothing on the projection's hot path).
import type { Metrics } from './metrics.js';
import type { Projections } from '../projections.js';

export function registerProjectionMetrics(metrics: Metrics, projections: Projections): void {
  const each = (name: string, help: string, value: (s: ReturnType<Projections['statuses']>[number]) => number) =>
    metrics.gauge({
      name,
      help,
      labelNames: ['projection'],
      collect() {
        this.reset(); // a projection gone since the last scrape is gone from the answer too
        for (const status of projections.statuses()) this.set({ projection: status.name }, value(status));
      },
    });
  each('pn_projection_lag_seconds', 'How long the read model has known of events it has not applied yet', (s) => s.lagMs / 1000);
  each('pn_projection_position', 'Position in the event store of the last event the read model applied (or parked)', (s) => Number(s.position));
  each('pn_projection_parked_events', 'Events the read model could not apply and parked, since it was first built', (s) => s.parked);
  each('pn_projection_caught_up', '1 once the read model has been through every event that existed when it started', (s) => (s.caughtUp ? 1 : 0));
}
