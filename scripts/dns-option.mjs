#!/usr/bin/env node
// Prints the hex of EDNS option 65001 for a network, as a host-side forwarder
// builds it, so `dig +ednsopt=65001:<hex>` can read that network's view:
//   the network id in ASCII, followed (when a forwarder secret is set) by the
//   first 16 bytes of HMAC-SHA256(secret, network id).
// Usage: node scripts/dns-option.mjs <network-id> [secret]   (secret defaults to $DNS_FORWARDER_SECRET)
//   dig @127.0.0.1 -p 5353 +ednsopt=65001:$(node scripts/dns-option.mjs net_01…) web.vm.internal
// The same rule as libs/dns/server/src/wire/network-option.ts (kept apart so
// this runs without a build); the dns-records suite checks they agree.
import { createHmac } from 'node:crypto';

const [networkId, secretArg] = process.argv.slice(2);
if (!networkId || !/^[\x21-\x7e]+$/.test(networkId)) {
  console.error('usage: node scripts/dns-option.mjs <network-id> [secret]   (secret defaults to $DNS_FORWARDER_SECRET)');
  process.exit(2);
}
const secret = secretArg ?? process.env.DNS_FORWARDER_SECRET ?? '';
const id = Buffer.from(networkId, 'ascii');
const data = secret === '' ? id : Buffer.concat([id, createHmac('sha256', secret).update(id).digest().subarray(0, 16)]);
process.stdout.write(`${data.toString('hex')}\n`);
