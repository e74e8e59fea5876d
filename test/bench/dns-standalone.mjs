// The DNS server as the dns service runs it (DnsServer answering from a
// ZoneIndex through answerInView), alone in its own process with a zone
// loaded from events, so dnsperf measures the server and nothing else.
// Usage: node test/bench/dns-standalone.mjs <port> <records> <network-id>
// Prints `ready <port>` once listening.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RecordsRegisteredSchema } from '@pn/contracts';
import { answerInView, ZoneIndex } from '@pn/dns-domain';
import { DnsServer } from '@pn/dns-server';

const [port, records, networkId] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const index = new ZoneIndex();
for (let i = 0; i < records; i++) {
  index.apply({
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
const server = new DnsServer({ port, lookup: (net, qname, qtype) => answerInView(index, net, qname, qtype), ttlSeconds: 5, negativeTtlSeconds: 1 });
await server.start();
process.stdout.write(`ready ${port}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));

/** The i-th address of 10.0.0.0/16 past 10.0.0.0/24, skipping .0 and .255. */
export function benchAddress(i) {
  return `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
}
