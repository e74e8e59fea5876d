// DNS queries answered, by rcode, and the time to make each answer (parse,
// view lookup, encode; not the socket), fed by the server's onAnswer hook.
// The per-rcode series are looked up once, not per query: this is the hot path.
import { Rcode } from '@pn/dns-server';
import type { Metrics } from '@pn/service-kit';

/** Upper bounds in seconds: answers take microseconds; a lookup that blocks shows in the upper buckets. */
const ANSWER_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1];

const NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));

/** Counts one answer: its rcode and the time it took to make, in ms. */
export function dnsAnswerMetrics(metrics: Metrics): (rcode: number, ms: number) => void {
  const queries = metrics.counter({ name: 'pn_dns_queries_total', help: 'DNS queries answered, by rcode', labelNames: ['rcode'] });
  const duration = metrics.histogram({ name: 'pn_dns_answer_duration_seconds', help: 'Time to make a DNS answer (parse, lookup, encode)', buckets: ANSWER_BUCKETS });
  const byRcode = new Map<number, { inc(n?: number): void }>();
  return (rcode, ms) => {
    let child = byRcode.get(rcode);
    if (!child) byRcode.set(rcode, (child = queries.labels(NAMES.get(rcode) ?? String(rcode))));
    child.inc();
    duration.observe(ms / 1000);
  };
}
