// The batched-UDP addon on its own edges: answers too large for what the
// client takes (TC), EDNS answers up to 4,096 bytes, datagrams longer than a
// query slot (MSG_TRUNC), IPv6, and a send buffer that fills up (the answers
// wait for the socket to be writable, without spinning, and all arrive).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { batchUdpUnavailable, QUERY_SLOT } from './batch-udp.js';
import { DnsServer } from './dns-server.js';
import { encodeDnsQuery, exchangeUdp, queryDns } from './query-dns.js';
import { addressesOf, rcodeOf } from './testing/answers.js';
import { tableLookup } from './testing/table-lookup.js';

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${Math.floor(i / 250)}.${1 + (i % 250)}`);
const lookup = tableLookup({ net_a: { 'web.vm.internal': ['10.0.0.5'], 'many.internal': addresses(100), 'lots.internal': addresses(200), 'too-many.internal': addresses(300) } });
const server = new DnsServer({ port: 0, udp: 'batched', lookup, maxUdpPayloadSize: 4096 });
let port = 0;
const ask = (name: string, udpPayloadSize: number) => queryDns({ host: '127.0.0.1', port, name, networkId: 'net_a', transport: 'udp', udpPayloadSize, timeoutMs: 2000 });

beforeAll(async () => {
  expect(batchUdpUnavailable()).toBeNull();
  port = (await server.start()).udpPort;
});
afterAll(() => server.stop());

describe('batched UDP', () => {
  it('serves UDP through the addon', () => {
    expect(server.udpServing).toEqual({ mode: 'batched', reason: null });
  });

  it('sets TC, with no answers, when the answer is larger than the client takes', async () => {
    const p = await ask('many.internal', 512);

    expect(p.flag_tc).toBe(true);
    expect(p.answers).toEqual([]);
    expect(p.questions).toMatchObject([{ name: 'many.internal' }]);
  });

  it('sends an EDNS answer of up to 4,096 bytes whole, and truncates a larger one', async () => {
    const lots = await ask('lots.internal', 4096);
    expect(lots.flag_tc).toBe(false);
    expect(addressesOf(lots)).toEqual(addresses(200));

    const tooMany = await ask('too-many.internal', 4096);
    expect(tooMany.flag_tc).toBe(true);
    expect(tooMany.answers).toEqual([]);
  });

  it('answers FORMERR to a datagram longer than a query slot (MSG_TRUNC), and goes on answering', async () => {
    const before = server.udpStats()!.truncated;
    const query = encodeDnsQuery({ id: 0x4242, name: 'web.vm.internal', networkId: 'net_a' });
    const oversized = Buffer.concat([query, Buffer.alloc(QUERY_SLOT + 1000 - query.length)]);

    const out = dnsPacket.decode(await exchangeUdp('127.0.0.1', port, oversized, 0x4242, 2000));

    expect(rcodeOf(out)).toBe('FORMERR');
    expect(server.udpStats()!.truncated).toBe(before + 1);
    expect(addressesOf(await ask('web.vm.internal', 1232))).toEqual(['10.0.0.5']);
  });

  it('answers over IPv6 (::1)', async () => {
    const v6 = new DnsServer({ host: '::1', port: 0, udp: 'batched', lookup });
    const v6Port = (await v6.start()).udpPort;
    try {
      const p = await queryDns({ host: '::1', port: v6Port, name: 'web.vm.internal', networkId: 'net_a', transport: 'udp', timeoutMs: 2000 });
      expect(addressesOf(p)).toEqual(['10.0.0.5']);
    } finally {
      await v6.stop();
    }
  });

  it('counts what it received and sent', async () => {
    const before = server.udpStats()!;
    await Promise.all(Array.from({ length: 10 }, () => ask('web.vm.internal', 1232)));
    const after = server.udpStats()!;

    expect(after.received - before.received).toBe(10);
    expect(after.sent - before.sent).toBe(10);
    expect(after.waitingToSend).toBe(false);
  });
});

// A full send buffer cannot happen on the machine's loopback (a datagram leaves the
// sender's buffer at once), so this runs in a network namespace of its own whose
// loopback is slowed down (tbf): root, unshare and tc are needed.
const canSlowLoopback = process.getuid?.() === 0 && spawnSync('unshare', ['--net', 'tc', 'qdisc', 'show']).status === 0;
(canSlowLoopback ? describe : describe.skip)(`batched UDP with a full send buffer${canSlowLoopback ? '' : ' (skipped: needs root, unshare and tc)'}`, () => {
  it('keeps the answers, waits for the socket without spinning, and sends them all once the client reads', () => {
    const script = join(import.meta.dirname, 'testing', 'full-send-buffer.mjs');
    const run = spawnSync(
      'unshare',
      ['--net', 'sh', '-c', `ip link set lo up && tc qdisc add dev lo root tbf rate 1mbit burst 4kb limit 1mb && exec "${process.execPath}" "${script}"`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { queries: number; answers: number; sendWaits: number; waitedMs: number; cpuMsWhileWaiting: number; stillWaiting: boolean };

    expect(result.sendWaits).toBeGreaterThan(0);
    // Waiting is sleeping: a loop polling a full socket would burn the whole interval.
    expect(result.cpuMsWhileWaiting).toBeLessThan(result.waitedMs / 5);
    expect(result.answers).toBe(result.queries);
    expect(result.stillWaiting).toBe(false);
  }, 60_000);
});
