// Interop with a real resolver tool: dig sends the network id the way the
// host-side forwarder does, `+ednsopt=65001:<hex>`.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { DnsServer } from './dns-server.js';
import { tableLookup } from './testing/table-lookup.js';
import { UDP_MODES } from './testing/udp-modes.js';

const hasDig = spawnSync('dig', ['-v']).error === undefined;
const digIt = hasDig ? it : it.skip;
const suffix = hasDig ? '' : ' (skipped: dig is not installed)';

describe.each(UDP_MODES)('with %s UDP', (udp) => {
  const server = new DnsServer({ port: 0, udp, lookup: tableLookup({ net_abc: { 'web.vm.internal': ['10.0.0.5'] } }), ttlSeconds: 7 });
  let port = 0;

  // Async on purpose: the server answers from this same process, so a sync spawn would deadlock.
  const dig = async (...args: string[]) =>
    (await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args])).stdout;
  const networkOption = `+ednsopt=65001:${Buffer.from('net_abc', 'ascii').toString('hex')}`;

  beforeAll(async () => {
    port = (await server.start()).udpPort;
  });
  afterAll(() => server.stop());

  describe('dig interop', () => {
    digIt(`resolves a name given the network option, over UDP and TCP${suffix}`, async () => {
      for (const transport of ['+notcp', '+tcp']) {
        const out = await dig(transport, networkOption, 'Web.VM.internal', 'A');
        expect(out).toContain('status: NOERROR');
        expect(out).toMatch(/flags: qr aa/);
        expect(out).toMatch(/^Web\.VM\.internal\.\s+7\s+IN\s+A\s+10\.0\.0\.5$/m);
      }
    });

    digIt(`is refused without the option${suffix}`, async () => {
      expect(await dig('web.vm.internal')).toContain('status: REFUSED');
    });

    digIt(`gets NXDOMAIN with the SOA (negative TTL 1 s by default) for an unknown name${suffix}`, async () => {
      const out = await dig(networkOption, 'nope.vm.internal');

      expect(out).toContain('status: NXDOMAIN');
      expect(out).toMatch(/^internal\.\s+1\s+IN\s+SOA\s+ns\.internal\. hostmaster\.internal\. 1 3600 600 86400 1$/m); // the default negative TTL
    });
  });
});
