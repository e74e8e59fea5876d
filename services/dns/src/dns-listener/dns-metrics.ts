// DNS queries answered, by rcode, and the time to make each answer (parse,
// view lookup, encode; not the socket), fed by the server's onAnswer hook in
// this process and by the tallies of answering workers (answer-tally.ts).
// The per-rcode series are looked up once, not per query: this is the hot path.
import { Rcode } from '@pn/dns-server';
import type { Metrics } from '@pn/service-kit';
import { ANSWER_BUCKETS, type AnswerTally } from './answer-tally.js';

const NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));

export interface DnsAnswerMetrics {
  /** One answer made in this process. */
  answered(rcode: number, ms: number): void;
  /** Answers a worker made since its last tally. */
  add(tally: AnswerTally): void;
}

export function dnsAnswerMetrics(metrics: Metrics): DnsAnswerMetrics {
  const queries = metrics.counter({ name: 'pn_dns_queries_total', help: 'DNS queries answered, by rcode', labelNames: ['rcode'] });
  const duration = metrics.histogram({ name: 'pn_dns_answer_duration_seconds', help: 'Time to make a DNS answer (parse, lookup, encode)', buckets: ANSWER_BUCKETS });
  const byRcode = new Map<number, { inc(n?: number): void }>();
  const counterFor = (rcode: number) => {
    let child = byRcode.get(rcode);
    if (!child) byRcode.set(rcode, (child = queries.labels(NAMES.get(rcode) ?? String(rcode))));
    return child;
  };
  return {
    answered: (rcode, ms) => {
      counterFor(rcode).inc();
      duration.observe(ms / 1000);
    },
    add: (tally) => {
      for (const [rcode, n] of tally.rcodes) counterFor(rcode).inc(n);
      // Each bucket's answers at the bucket's mean time: bucket counts and the sum stay exact.
      for (const [n, sumMs] of tally.buckets) {
        for (let i = 0; i < n; i++) duration.observe(sumMs / n / 1000);
      }
    },
  };
}
