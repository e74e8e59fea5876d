// One Prometheus registry per service instance, never prom-client's global
// one: the in-process test platform runs five services in one process, and
// each must report only its own series. Every series carries the service's
// name (a default label). The instruments every service shares are made here,
// once; a service adds its own (billing's, ipam's free addresses) through
// gauge()/counter()/histogram() on the same registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/** Latency buckets in seconds, from a fast bus hop (~1 ms) to a create waiting on a deadline (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly rpcClientDuration: Histogram<'subject' | 'outcome'>;
  readonly rpcClientFailures: Counter<'subject' | 'code'>;
  readonly rpcServerDuration: Histogram<'subject' | 'outcome'>;
  readonly rpcServerFailures: Counter<'subject' | 'code'>;
  readonly eventStoreAppends: Counter<'category'>;
  readonly eventStoreConflicts: Counter<'category'>;
  readonly eventStoreAppendDuration: Histogram<'category' | 'outcome'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'pn_' });
    this.httpRequests = this.counter({ name: 'pn_http_requests_total', help: 'HTTP requests answered, by route pattern and status', labelNames: ['method', 'route', 'status'] });
    this.httpDuration = this.histogram({ name: 'pn_http_request_duration_seconds', help: 'HTTP request latency, by route pattern and status', labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS });
    this.rpcClientDuration = this.histogram({ name: 'pn_rpc_client_duration_seconds', help: 'Bus requests made: time to the reply, by subject and outcome', labelNames: ['subject', 'outcome'], buckets: LATENCY_BUCKETS });
    this.rpcClientFailures = this.counter({ name: 'pn_rpc_client_failures_total', help: 'Bus requests made that failed, by subject and error code', labelNames: ['subject', 'code'] });
    this.rpcServerDuration = this.histogram({ name: 'pn_rpc_server_duration_seconds', help: 'Bus requests handled: time to answer, by subject and outcome', labelNames: ['subject', 'outcome'], buckets: LATENCY_BUCKETS });
    this.rpcServerFailures = this.counter({ name: 'pn_rpc_server_failures_total', help: 'Bus requests handled that answered an error, by subject and error code', labelNames: ['subject', 'code'] });
    this.eventStoreAppends = this.counter({ name: 'pn_event_store_appends_total', help: 'Appends to the event store that were written, by stream category', labelNames: ['category'] });
    this.eventStoreConflicts = this.counter({ name: 'pn_event_store_append_conflicts_total', help: 'Appends refused by optimistic concurrency (the stream had moved on), by stream category', labelNames: ['category'] });
    this.eventStoreAppendDuration = this.histogram({ name: 'pn_event_store_append_duration_seconds', help: 'Event store append latency, by stream category and outcome (ok, conflict, error)', labelNames: ['category', 'outcome'], buckets: LATENCY_BUCKETS });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  /** A gauge; give it `collect` to compute its value when scraped rather than keep it up to date. */
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** The Prometheus text exposition of every series. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Seconds since a performance.now() reading. */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;
