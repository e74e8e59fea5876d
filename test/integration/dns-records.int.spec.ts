// The internal zones as a resolver sees them, on the running platform with a
// forwarder secret: PTR, SOA and NS of internal. and of the network's reverse
// zone, NODATA, minimal ANY, case kept, the 1 s negative TTL, and views that
// only a forwarder holding the secret can read. Over UDP and TCP, and with
// dig (installed by .ci/run) where it is installed.
import { describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addressesOf, networkOptionData, queryDns, rcodeOf, type QueryDnsOptions } from '@pn/dns-server';
import { usePlatform } from '../support/platform.js';

const SECRET = 'forwarder-secret-for-tests';
const ctx = usePlatform('dns-records suite', { env: { DNS_FORWARDER_SECRET: SECRET } });
const hasDig = spawnSync('dig', ['-v']).error === undefined;
const digIt = hasDig ? it : it.skip;
const run = promisify(execFile);

type Ask = Partial<QueryDnsOptions> & Pick<QueryDnsOptions, 'name'>;
let net = '';
const ask = (query: Ask) =>
  queryDns({ host: '127.0.0.1', port: ctx.platform.dnsPort, networkId: net, forwarderSecret: SECRET, transport: 'udp', timeoutMs: 2000, ...query });

let web: { id: string; private_ip: string };
let pg: { private_ip: string };

describe('internal DNS records', () => {
  it('sets up a network with a VM and a database', async () => {
    const key = await ctx.newKey();
    web = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'web' } })).body;
    pg = (await ctx.api('POST', '/v1/hosting/databases', { key, body: { name: 'pg', engine: 'postgresql', version: '16' } })).body;
    net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
    expect(web.private_ip).toBe('10.0.1.1');
    expect(pg.private_ip).toBe('10.0.2.1');
  });

  it.each(['udp', 'tcp'] as const)('answers PTR for each private address with its primary name (%s)', async (transport) => {
    const vm = await ask({ name: '1.1.0.10.in-addr.arpa', type: 'PTR', transport });
    const db = await ask({ name: '1.2.0.10.in-addr.arpa', type: 'PTR', transport });

    expect(vm.answers).toMatchObject([{ type: 'PTR', ttl: 5, data: 'web.vm.internal' }]);
    expect(db.answers).toMatchObject([{ type: 'PTR', data: 'pg.internal' }]);
    expect(vm.flag_aa).toBe(true);
  });

  it('answers SOA and NS for internal. and for the reverse zone of the network’s /16', async () => {
    expect((await ask({ name: 'internal', type: 'SOA' })).answers).toMatchObject([
      { name: 'internal', type: 'SOA', ttl: 1, data: { mname: 'ns.internal', rname: 'hostmaster.internal', minimum: 1 } },
    ]);
    expect((await ask({ name: 'internal', type: 'NS', transport: 'tcp' })).answers).toMatchObject([{ type: 'NS', data: 'ns.internal' }]);
    expect((await ask({ name: '0.10.in-addr.arpa', type: 'SOA' })).answers).toMatchObject([{ name: '0.10.in-addr.arpa', type: 'SOA' }]);
    expect((await ask({ name: '0.10.in-addr.arpa', type: 'NS' })).answers).toMatchObject([{ type: 'NS', data: 'ns.internal' }]);
  });

  it('answers AAAA of an existing name with NOERROR, no answer and the SOA', async () => {
    const p = await ask({ name: 'web.vm.internal', type: 'AAAA' });

    expect(rcodeOf(p)).toBe('NOERROR');
    expect(p.answers).toEqual([]);
    expect(p.authorities).toMatchObject([{ name: 'internal', type: 'SOA', ttl: 1, data: { minimum: 1 } }]);
  });

  it('answers ANY with one RRset (RFC 8482)', async () => {
    expect((await ask({ name: 'web.vm.internal', type: 'ANY' as unknown as 'A' })).answers).toMatchObject([{ type: 'A', data: web.private_ip }]);
    expect((await ask({ name: 'internal', type: 'ANY' as unknown as 'A', transport: 'tcp' })).answers).toMatchObject([{ type: 'SOA' }]);
  });

  it('matches names case-insensitively and answers in the query’s case', async () => {
    const p = await ask({ name: 'WEB.Vm.InTeRnAl' });

    expect(p.answers).toMatchObject([{ name: 'WEB.Vm.InTeRnAl', type: 'A', data: web.private_ip }]);
    expect((await ask({ name: '1.2.0.10.IN-ADDR.ARPA', type: 'PTR' })).answers).toMatchObject([{ name: '1.2.0.10.IN-ADDR.ARPA', data: 'pg.internal' }]);
  });

  it('has misses cached for 1 s at most, so a name asked for just before its create resolves once it is ready', async () => {
    const key = await ctx.newKey('early');
    const early = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id as string;
    const before = await ask({ name: 'soon.vm.internal', networkId: early });
    expect(rcodeOf(before)).toBe('NXDOMAIN');
    expect(before.authorities).toMatchObject([{ type: 'SOA', ttl: 1, data: { minimum: 1 } }]);

    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'soon' } })).body;
    expect(addressesOf(await ask({ name: 'soon.vm.internal', networkId: early }))).toEqual([vm.private_ip]);
  });

  it('refuses, alike, a query whose option lacks a valid MAC: bare id, another secret, another id', async () => {
    for (const query of [{ forwarderSecret: undefined }, { forwarderSecret: 'guessed' }, { networkId: `${net}x` , forwarderSecret: 'guessed' }, { networkId: undefined }]) {
      const p = await ask({ name: 'web.vm.internal', ...query });
      expect(rcodeOf(p)).toBe('REFUSED');
      expect(p.answers).toEqual([]);
      expect(p.authorities).toEqual([]);
    }
  });

  it('refuses reverse names outside the network’s /16', async () => {
    expect(rcodeOf(await ask({ name: '8.8.8.8.in-addr.arpa', type: 'PTR' }))).toBe('REFUSED');
  });

  it('builds the option in scripts/dns-option.mjs exactly as the server reads it', async () => {
    const { stdout } = await run(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'dns-option.mjs'), net, SECRET]);

    expect(stdout.trim()).toBe(networkOptionData(net, SECRET).toString('hex'));
  });

  digIt('answers dig given the option from the script: A, PTR (dig -x), SOA, AAAA NODATA; REFUSED without', async () => {
    const { stdout: hex } = await run(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'dns-option.mjs'), net], {
      env: { ...process.env, DNS_FORWARDER_SECRET: SECRET },
    });
    const dig = async (...args: string[]) =>
      (await run('dig', ['@127.0.0.1', '-p', String(ctx.platform.dnsPort), '+tries=1', '+time=2', `+ednsopt=65001:${hex.trim()}`, ...args])).stdout;

    expect(await dig('+short', 'Web.VM.internal')).toBe(`${web.private_ip}\n`);
    expect(await dig('+short', '-x', web.private_ip)).toBe('web.vm.internal.\n');
    expect(await dig('+tcp', '+short', '-x', pg.private_ip)).toBe('pg.internal.\n');
    expect(await dig('+short', 'internal', 'SOA')).toBe('ns.internal. hostmaster.internal. 1 3600 600 86400 1\n');
    const aaaa = await dig('web.vm.internal', 'AAAA');
    expect(aaaa).toContain('status: NOERROR');
    expect(aaaa).toMatch(/^internal\.\s+1\s+IN\s+SOA\s/m);
    const bare = (await run('dig', ['@127.0.0.1', '-p', String(ctx.platform.dnsPort), '+tries=1', '+time=2', `+ednsopt=65001:${Buffer.from(net).toString('hex')}`, 'web.vm.internal'])).stdout;
    expect(bare).toContain('status: REFUSED');
  });
});
