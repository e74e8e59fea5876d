// The DNS server as the dns service runs it, alone (no bus, no event store)
// with a zone loaded from events, so dnsperf measures the server and nothing
// else: DNS_WORKERS answering workers (dns-workers.ts, default one per core)
// copying the view from this process, or with DNS_WORKERS=0|1 a DnsServer
// answering from the ZoneIndex in this process.
// Usage: node test/bench/dns-standalone.mjs <port> <records> <network-id>
// Prints `ready <port>` once listening.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema } from '@pn/contracts';
import { answerInView, ZoneIndex } from '@pn/dns-domain';
import { DnsServer } from '@pn/dns-server';
import { dnsWorkersFromEnv } from '../../services/dns/dist/dns-listener/dns-options.js';
import { DnsWorkers } from '../../services/dns/dist/dns-listener/dns-workers.js';
import { zoneViewProjection } from '../../services/dns/dist/zone/zone-view.projection.js';

const [port, records, networkId] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const view = zoneViewProjection.initialState();
for (let i = 0; i < records; i++) {
  view.index.apply({
    type: 'RecordsRegistered',
    data: create(RecordsRegisteredSchema, {
      networkId,
      resourceId: `vm_${String(i).padStart(26, '0')}`,
      kind: 'vm',
      name: `host-${i}`,
      ip: benchAddress(i),
      resourceCreatedAt: timestampFromMs(Date.UTC(2026, 0, 1) + i),
    }),
  });
}
const options = { host: '127.0.0.1', port, ttlSeconds: 5, negativeTtlSeconds: 1, forwarderSecret: null };
const workers = dnsWorkersFromEnv(process.env);
const server =
  workers > 1
    ? new DnsWorkers({
        count: workers,
        server: options,
        view: { snapshot: () => zoneViewProjection.toJson(view), behindSince: () => null },
        maxLagMs: 2000,
        onError: (error) => process.stderr.write(`${String(error)}\n`),
      })
    : new DnsServer({ ...options, lookup: (net, qname, qtype) => answerInView(view.index, net, qname, qtype) });
await server.start();
process.stdout.write(`ready ${port} (${workers > 1 ? `${workers} workers` : 'in-process'})\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));

/** The i-th address of 10.0.0.0/16 past 10.0.0.0/24, skipping .0 and .255. */
export function benchAddress(i) {
  return `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
}
