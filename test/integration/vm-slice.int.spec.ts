// The spine end to end: the five services on a real NATS, the gateway over
// HTTP, the DNS server over UDP and TCP. NATS runs in a container where a
// container engine answers, and otherwise at NATS_URL (the output says which).
import { describe, expect, it } from '@jest/globals';
import { queryDns, rcodeOf } from '@pn/dns-server';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('vm-slice suite');
const api: typeof ctx.api = (...args) => ctx.api(...args);

async function newAccount(name = 'acme'): Promise<{ key: string }> {
  return { key: await ctx.newKey(name) };
}

async function networkOf(key: string): Promise<{ network_id: string; resources: Array<Record<string, string>> }> {
  const { status, body } = await api('GET', '/v1/hosting/network/topology', { key });
  expect(status).toBe(200);
  return body;
}

const dns = (name: string, networkId: string | undefined, transport: 'udp' | 'tcp' = 'udp', type: 'A' | 'AAAA' = 'A') =>
  queryDns({ host: '127.0.0.1', port: ctx.platform.dnsPort, name, networkId, transport, type, timeoutMs: 2000 });

describe('accounts', () => {
  it('are created by the admin only, with a key shown once', async () => {
    expect((await api('POST', '/v1/admin/accounts', { body: { name: 'x' } })).status).toBe(401);
    expect((await api('POST', '/v1/admin/accounts', { admin: 'wrong', body: { name: 'x' } })).status).toBe(401);
    const { status, body } = await api('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name: 'acme' } });
    expect(status).toBe(201);
    expect(body).toEqual({ id: expect.stringMatching(/^acc_[0-9a-z]{26}$/), name: 'acme', api_key: expect.stringMatching(/^pk_/) });
  });

  it('refuse a missing or wrong API key with 401', async () => {
    expect((await api('GET', '/v1/hosting/network/topology')).status).toBe(401);
    const wrong = await api('POST', '/v1/hosting/vms', { key: 'pk_wrong', body: { name: 'x' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });
});

describe('a VM from the API to DNS', () => {
  it('is created running, with the lowest free address of 10.0.1.0/24, in the seed’s JSON shape', async () => {
    const { key } = await newAccount();
    const { status, body } = await api('POST', '/v1/hosting/vms', {
      key,
      body: { name: 'agent-worker-1', region: 'us-east-1', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 } },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^vm_[0-9a-z]{26}$/),
      name: 'agent-worker-1',
      status: 'running',
      region: 'us-east-1',
      private_ip: '10.0.1.1',
      public_ip: null,
      specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 },
    });
    const second = await api('POST', '/v1/hosting/vms', { key, body: { name: 'agent-worker-2' } });
    expect(second.body.private_ip).toBe('10.0.1.2');

    const read = await api('GET', `/v1/hosting/vms/${body.id}`, { key });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(body);

    const topology = await networkOf(key);
    expect(topology).toMatchObject({ network_id: expect.stringMatching(/^net_/), private_cidr: '10.0.0.0/16' });
    expect(topology.resources).toEqual([
      { type: 'vm', id: body.id, name: 'agent-worker-1', private_ip: '10.0.1.1' },
      { type: 'vm', id: second.body.id, name: 'agent-worker-2', private_ip: '10.0.1.2' },
    ]);
  });

  it('resolves as {name}.vm.internal, bare {name} and {id}.vm.internal the moment the create returns', async () => {
    const { key } = await newAccount();
    const { body: vm } = await api('POST', '/v1/hosting/vms', { key, body: { name: 'web' } });
    const { network_id } = await networkOf(key);
    for (const name of ['web.vm.internal', 'web', `${vm.id}.vm.internal`, 'WEB.VM.Internal']) {
      const answer = await dns(name, network_id);
      expect(rcodeOf(answer)).toBe('NOERROR');
      expect(answer.answers).toEqual([expect.objectContaining({ type: 'A', data: vm.private_ip, ttl: 5 })]);
    }
    const overTcp = await dns('web.vm.internal', network_id, 'tcp');
    expect(overTcp.answers?.[0]).toMatchObject({ data: vm.private_ip });
  });

  it('answers REFUSED without the network option and NXDOMAIN (with an SOA) for unknown names', async () => {
    const { key } = await newAccount();
    await api('POST', '/v1/hosting/vms', { key, body: { name: 'db' } });
    const { network_id } = await networkOf(key);
    expect(rcodeOf(await dns('db.vm.internal', undefined))).toBe('REFUSED');
    const miss = await dns('nothing.vm.internal', network_id);
    expect(rcodeOf(miss)).toBe('NXDOMAIN');
    expect(miss.authorities).toEqual([expect.objectContaining({ type: 'SOA', ttl: 1 })]); // DNS_NEGATIVE_TTL_SECONDS, default 1
    const noAaaa = await dns('db.vm.internal', network_id, 'udp', 'AAAA');
    expect(rcodeOf(noAaaa)).toBe('NOERROR');
    expect(noAaaa.answers).toEqual([]);
  });

  it('keeps accounts apart: same address, same name, each network answers its own', async () => {
    const a = await newAccount('a');
    const b = await newAccount('b');
    const vmA = (await api('POST', '/v1/hosting/vms', { key: a.key, body: { name: 'shared-name' } })).body;
    const netA = (await networkOf(a.key)).network_id;
    const netB = (await networkOf(b.key)).network_id;
    expect(netA).not.toBe(netB);
    // B's network has no such name yet: NXDOMAIN, no hint it exists elsewhere.
    expect(rcodeOf(await dns('shared-name.vm.internal', netB))).toBe('NXDOMAIN');
    const vmB = (await api('POST', '/v1/hosting/vms', { key: b.key, body: { name: 'shared-name' } })).body;
    expect(vmB.private_ip).toBe(vmA.private_ip);
    expect(rcodeOf(await dns(`${vmB.id}.vm.internal`, netA))).toBe('NXDOMAIN');
    // Another account's VM is 404, never 403.
    const foreign = await api('GET', `/v1/hosting/vms/${vmA.id}`, { key: b.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
  });

  it('gives a shared name to the older VM', async () => {
    const { key } = await newAccount();
    const older = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'api' } })).body;
    const newer = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'api' } })).body;
    const { network_id } = await networkOf(key);
    expect((await dns('api', network_id)).answers?.[0]).toMatchObject({ data: older.private_ip });
    expect((await dns(`${newer.id}.vm.internal`, network_id)).answers?.[0]).toMatchObject({ data: newer.private_ip });
  });

  it('answers the authenticated resolve endpoint like the DNS server', async () => {
    const { key } = await newAccount();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'resolver-check' } })).body;
    const { status, body } = await api('GET', '/v1/hosting/network/resolve?name=resolver-check.vm.internal', { key });
    expect(status).toBe(200);
    expect(body).toEqual({ name: 'resolver-check.vm.internal', rcode: 'NOERROR', addresses: [vm.private_ip], ttl: 5 });
  });
});

describe('bad input', () => {
  const cases: Array<[string, { body?: unknown; rawBody?: string }, string, string | undefined]> = [
    ['a name that is no RFC 1123 label', { body: { name: 'Agent_1' } }, 'validation_failed', 'name'],
    ['a name ending in "-"', { body: { name: 'worker-' } }, 'validation_failed', 'name'],
    ['a name of 64 characters', { body: { name: 'a'.repeat(64) } }, 'validation_failed', 'name'],
    ['a missing name', { body: {} }, 'validation_failed', 'name'],
    ['an unknown field', { body: { name: 'ok', colour: 'blue' } }, 'validation_failed', 'colour'],
    ['a wrong type', { body: { name: 'ok', specs: { vcpus: 'two', memory_gb: 4, disk_gb: 80 } } }, 'validation_failed', 'specs.vcpus'],
    ['specs given as a list', { body: { name: 'ok', specs: [{ vcpus: 2, memory_gb: 4, disk_gb: 80 }] } }, 'validation_failed', 'specs'],
    ['an unknown region', { body: { name: 'ok', region: 'mars-north-1' } }, 'validation_failed', 'region'],
    ['malformed JSON', { rawBody: '{"name":' }, 'malformed_json', undefined],
  ];

  it.each(cases)('%s is a 400 that names the field, and records nothing', async (_, request, code, field) => {
    const { key } = await newAccount();
    const { status, body } = await api('POST', '/v1/hosting/vms', { key, ...request });
    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    if (field) expect(body.error.field).toBe(field);
    expect(body.error.message).toEqual(expect.any(String));
    expect((await networkOf(key)).resources).toEqual([]);
    // The next valid create still gets the first address: nothing was taken.
    expect((await api('POST', '/v1/hosting/vms', { key, body: { name: 'after' } })).body.private_ip).toBe('10.0.1.1');
  });

  it('an unknown VM id is 404', async () => {
    const { key } = await newAccount();
    expect((await api('GET', '/v1/hosting/vms/vm_01aaaaaaaaaaaaaaaaaaaaaaaa', { key })).status).toBe(404);
  });
});
