// Flows this billing instance has metered, found duplicate, or parked since
// it started, read from the meter's counts when scraped. Counters restart
// with the process (Prometheus' rate() handles that); usage totals, not
// these, are the record.
import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Metrics } from '@pn/service-kit';
import { FlowMeter } from './flow-meter.js';

@Injectable()
export class FlowMeterMetric implements OnModuleInit {
  constructor(
    private readonly meter: FlowMeter,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    const meter = this.meter;
    this.metrics?.counter({
      name: 'pn_billing_flows_total',
      help: 'Flow records taken from the bus by this instance since it started: metered (counted once), duplicate (already counted), parked (malformed or impossible)',
      labelNames: ['outcome'],
      collect() {
        this.reset();
        this.inc({ outcome: 'metered' }, meter.counts.metered);
        this.inc({ outcome: 'duplicate' }, meter.counts.duplicates);
        this.inc({ outcome: 'parked' }, meter.counts.parked);
      },
    });
    this.metrics?.gauge({
      name: 'pn_billing_flow_messages_waiting_for_ownership',
      help: 'Flow messages waiting now for the ownership facts of their time (the feed lag is pn_projection_lag_seconds{projection="billing.ownership-feed"})',
      collect() {
        this.set(meter.counts.waitingForOwnership);
      },
    });
  }
}
