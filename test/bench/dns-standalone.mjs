// The DNS server as the dns service runs it, alone (no bus, no event store)
// with a zone loaded from events, so dnsperf measures the server and nothing
// else: a DnsServer answering from the ZoneIndex in this process, UDP as
// DNS_UDP says (auto: the batched addon where it loads, or dgram). Several of
// these may share one port (SO_REUSEPORT), as dns instances do.
// Usage: node test/bench/dns-standalone.mjs <port> <records> <network-id>
// Prints `ready <port> <udp mode>` once listening.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema } from '@pn/contracts';
import { answerInView } from '@pn/dns-domain';
import { DnsServer } from '@pn/dns-server';
import { dnsUdpFromEnv } from '../../services/dns/dist/dns-listener/dns-options.js';
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
const server = new DnsServer({
  host: '127.0.0.1',
  port,
  ttlSeconds: 5,
  negativeTtlSeconds: 1,
  forwarderSecret: null,
  udp: dnsUdpFromEnv(process.env),
  lookup: (net, qname, qtype) => answerInView(view.index, net, qname, qtype),
});
await server.start();
process.stdout.write(`ready ${port} ${server.udpServing.mode}\n`);
process.on('SIGTERM', () => {
  // BENCH_STATS=1: the batched socket's counters on the way out (received / batches is the mean batch).
  if (process.env.BENCH_STATS) process.stderr.write(`${JSON.stringify(server.udpStats())}\n`);
  void server.stop().then(() => process.exit(0));
});

/** The i-th address of 10.0.0.0/16 past 10.0.0.0/24, skipping .0 and .255. */
export function benchAddress(i) {
  return `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
}
