// The error a lookup throws when the view it answers from is too far behind
// the zone events to be trusted; the DNS server answers it with SERVFAIL. On
// its own, free of Nest, because answering workers (dns-worker.ts) throw it too.

export class ViewLaggingError extends Error {
  constructor(readonly lagMs: number) {
    super(`DNS view is ${lagMs} ms behind the zone events: SERVFAIL rather than a stale address`);
    this.name = 'ViewLaggingError';
  }
}
