// Garbage parked by the service's consumers, read from its bin when scraped.
// The count is by consumer and reason (both fixed sets); the listed messages
// carry their subject and sequence as labels, which stays bounded only
// because the bin lists at most 100.
import type { GarbageBin } from '@pn/event-store';
import type { Metrics } from './metrics.js';

export function registerGarbageMetrics(metrics: Metrics, bin: GarbageBin): void {
  metrics.counter({
    name: 'pn_bus_garbage_parked_total',
    help: 'Messages on a consumed subject that were not what it carries: parked and skipped, by consumer and reason',
    labelNames: ['consumer', 'reason'],
    collect() {
      this.reset();
      for (const c of bin.counts()) this.inc({ consumer: c.consumer, reason: c.reason }, c.count);
    },
  });
  metrics.gauge({
    name: 'pn_bus_garbage_listed',
    help: 'The newest parked messages (at most 100), one series each with its subject and stream sequence',
    labelNames: ['consumer', 'subject', 'stream', 'seq', 'reason'],
    collect() {
      this.reset();
      for (const g of bin.recent()) this.set({ consumer: g.consumer, subject: g.subject, stream: g.stream, seq: String(g.seq), reason: g.reason }, 1);
    },
  });
}
