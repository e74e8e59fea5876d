// Public exposure end to end: the public pool, VM ports, custom domains
// verified against a DNS server this suite runs on loopback, public_access
// of databases and caches, deletes giving addresses back (quarantined), 200
// concurrent open_port calls, a domain claim orphaned by a crash, and another
// account's ids getting 404.
import { beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { createJetStreamEventStore } from '@pn/event-store';
import { domainClaimDecider, domainClaimEventCodec, domainStreamId, ORPHAN_CLAIM_GRACE_MS } from '@pn/resources-domain';
import { startPublicDns, type PublicDns } from '../support/public-dns.js';
import { usePlatform } from '../support/platform.js';

// The env object is read when the platform starts (usePlatform's beforeAll,
// registered after this one), so the resolver's port can be filled in first.
const env: Record<string, string> = { PUBLIC_IP_POOL: '198.18.0.0/16' };
let publicDns: PublicDns;
beforeAll(async () => {
  publicDns = await startPublicDns();
  env.DOMAIN_VERIFY_RESOLVER = publicDns.address;
});
afterAll(async () => publicDns?.stop());

const ctx = usePlatform('public-exposure suite', { env });
const api: typeof ctx.api = (...args) => ctx.api(...args);

describe('Superjolt worked example: public api, private db', () => {
  it('exposes the api’s :3000 at creation, adds and verifies a domain, and keeps the db private', async () => {
    const key = await ctx.newKey('shop-team');
    expect((await api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } })).status).toBe(201);
    const db = await api('POST', '/v1/hosting/vms', { key, body: { name: 'db', image: 'postgres-18', project: 'shop' } });
    const vm = await api('POST', '/v1/hosting/vms', { key, body: { name: 'api', image: 'nodejs-24', project: 'shop' } });
    expect(db.status).toBe(201);
    expect(vm.status).toBe(201);
    expect(db.body).toMatchObject({ public_ip: null, public_ports: [], public_url: null });
    const ip = vm.body.public_ip as string;
    expect(ip).toMatch(/^198\.18\.\d+\.\d+$/);
    expect(vm.body).toMatchObject({ public_ports: [{ port: 3000, protocol: 'http' }], public_url: `http://${ip}:3000` });
    expect((await api('GET', `/v1/hosting/vms/${vm.body.id}/ports`, { key })).body).toEqual({ id: vm.body.id, public_ip: ip, ports: [{ port: 3000, protocol: 'http' }] });

    // The db cannot take a domain: it has no public address.
    const refused = await api('POST', `/v1/hosting/vms/${db.body.id}/domains`, { key, body: { domain: 'db.shop.example.com' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('no_public_address');

    const added = await api('POST', `/v1/hosting/vms/${vm.body.id}/domains`, { key, body: { domain: 'API.Shop.Example.com' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ domain: 'api.shop.example.com', status: 'pending', verified_at: null });
    const [aRecord, txtRecord] = added.body.records;
    expect(aRecord).toEqual({ type: 'A', name: 'api.shop.example.com', value: ip });
    expect(txtRecord).toMatchObject({ type: 'TXT', name: '_pn-challenge.api.shop.example.com', value: expect.stringMatching(/^pn-[0-9a-f]{32}$/) });

    // Nothing at the customer's DNS yet: still pending, and it says what is missing.
    const early = await api('POST', `/v1/hosting/vms/${vm.body.id}/domains/api.shop.example.com/verify`, { key });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ status: 'pending', problem: expect.stringMatching(/A record.*TXT record/) });

    publicDns.a.set('api.shop.example.com', [ip]);
    publicDns.txt.set('_pn-challenge.api.shop.example.com', [txtRecord.value]);
    const verified = await api('POST', `/v1/hosting/vms/${vm.body.id}/domains/api.shop.example.com/verify`, { key });
    expect(verified.body).toMatchObject({ domain: 'api.shop.example.com', status: 'verified', verified_at: expect.any(String) });
    expect((await api('GET', `/v1/hosting/vms/${vm.body.id}/domains`, { key })).body.items).toMatchObject([{ domain: 'api.shop.example.com', status: 'verified' }]);

    // The domain is one account's: another's VM is refused it.
    const otherKey = await ctx.newKey('someone-else');
    const other = await api('POST', '/v1/hosting/vms', { key: otherKey, body: { name: 'web', image: 'nodejs-24' } });
    const taken = await api('POST', `/v1/hosting/vms/${other.body.id}/domains`, { key: otherKey, body: { domain: 'api.shop.example.com' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('domain_taken');

    // The last port stays open while the domain points at the address.
    expect((await api('DELETE', `/v1/hosting/vms/${vm.body.id}/ports/3000`, { key })).body.error.code).toBe('domains_attached');
    expect((await api('GET', `/v1/hosting/vms/${db.body.id}`, { key })).body.public_ip).toBeNull();
  });

  it('validates ports and domains, naming the field', async () => {
    const key = await ctx.newKey();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'edge' } })).body;
    for (const body of [{ port: 0, protocol: 'tcp' }, { port: 65536, protocol: 'tcp' }, { port: '80', protocol: 'tcp' }, { port: 80, protocol: 'udp' }, { port: 80 }]) {
      const answer = await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body });
      expect(answer.status).toBe(400);
      expect(['port', 'protocol']).toContain(answer.body.error.field);
    }
    expect((await api('DELETE', `/v1/hosting/vms/${vm.id}/ports/abc`, { key })).status).toBe(400);
    expect((await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 8080, protocol: 'tcp' } })).status).toBe(200);
    for (const domain of ['db.internal', 'no_underscores.example.com', 'localhost', '-x.example.com', `${'a'.repeat(64)}.example.com`]) {
      const answer = await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key, body: { domain } });
      expect([answer.status, answer.body.error.field]).toEqual([400, 'domain']);
    }
  });
});

describe('ports and the public address', () => {
  it('gives an address with the first port, keeps it for the next, and quarantines it after the last closes', async () => {
    const key = await ctx.newKey();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'worker' } })).body;
    expect(vm.public_ip).toBeNull();
    const first = await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 22, protocol: 'tcp' } });
    const ip = first.body.public_ip;
    expect(ip).toMatch(/^198\.18\./);
    const again = await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 22, protocol: 'tcp' } });
    expect(again.body).toEqual(first.body);
    const second = await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 8080, protocol: 'http' } });
    expect(second.body).toMatchObject({ public_ip: ip, ports: [{ port: 22, protocol: 'tcp' }, { port: 8080, protocol: 'http' }] });
    expect((await api('GET', `/v1/hosting/vms/${vm.id}`, { key })).body).toMatchObject({ public_ip: ip, public_url: `http://${ip}:8080` });
    await api('DELETE', `/v1/hosting/vms/${vm.id}/ports/22`, { key });
    const closed = await api('DELETE', `/v1/hosting/vms/${vm.id}/ports/8080`, { key });
    expect(closed.body).toEqual({ id: vm.id, public_ip: null, ports: [] });
    expect((await api('DELETE', `/v1/hosting/vms/${vm.id}/ports/8080`, { key })).status).toBe(404);
    // Opened again: a new address, never the quarantined one.
    const reopened = await api('POST', `/v1/hosting/vms/${vm.id}/ports`, { key, body: { port: 22, protocol: 'tcp' } });
    expect(reopened.body.public_ip).toMatch(/^198\.18\./);
    expect(reopened.body.public_ip).not.toBe(ip);
  });

  it('200 concurrent open_port calls on different VMs give 200 distinct addresses', async () => {
    const keys = await Promise.all([...Array(4).keys()].map((i) => ctx.newKey(`load-${i}`)));
    const vms: Array<{ key: string; id: string }> = [];
    for (const key of keys) {
      const created = await Promise.all([...Array(50).keys()].map((i) => api('POST', '/v1/hosting/vms', { key, body: { name: `w${i}` } })));
      for (const c of created) {
        expect(c.status).toBe(201);
        vms.push({ key, id: c.body.id });
      }
    }
    const opened = await Promise.all(vms.map(({ key, id }) => api('POST', `/v1/hosting/vms/${id}/ports`, { key, body: { port: 443, protocol: 'tcp' } })));
    expect(opened.map((o) => o.status)).toEqual(vms.map(() => 200));
    const ips = opened.map((o) => o.body.public_ip as string);
    expect(new Set(ips).size).toBe(200);
    expect(ips.every((ip) => /^198\.18\./.test(ip) && ip !== '198.18.0.0' && ip !== '198.18.255.255')).toBe(true);
  }, 120_000);
});

describe('public access of databases and caches', () => {
  it('PATCH true gives a public_ip and public_host, false takes them away; delete gives the address back', async () => {
    const key = await ctx.newKey();
    const db = (await api('POST', '/v1/hosting/databases', { key, body: { name: 'agent-postgres', engine: 'postgresql', version: '16' } })).body;
    const cache = (await api('POST', '/v1/hosting/caches', { key, body: { name: 'agent-redis' } })).body;
    expect(db).toMatchObject({ public_access: false, public_ip: null, public_host: null });
    const on = await api('PATCH', `/v1/hosting/databases/${db.id}`, { key, body: { public_access: true } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ public_access: true, public_ip: expect.stringMatching(/^198\.18\./), private_ip: db.private_ip });
    expect(on.body.public_host).toBe(`agent-postgres.${db.id.slice(3)}.public.pn.example`);
    const off = await api('PATCH', `/v1/hosting/databases/${db.id}`, { key, body: { public_access: false } });
    expect(off.body).toMatchObject({ public_access: false, public_ip: null, public_host: null, private_ip: db.private_ip });

    const cacheOn = (await api('PATCH', `/v1/hosting/caches/${cache.id}`, { key, body: { public_access: true } })).body;
    expect(cacheOn).toMatchObject({ public_access: true, public_ip: expect.stringMatching(/^198\.18\./), public_host: expect.stringMatching(/^agent-redis\..+\.public\.pn\.example$/) });
    expect((await api('DELETE', `/v1/hosting/caches/${cache.id}`, { key })).status).toBe(204);
    // The cache's address is quarantined: the next one to ask gets another.
    const next = (await api('PATCH', `/v1/hosting/databases/${db.id}`, { key, body: { public_access: true } })).body;
    expect(next.public_ip).not.toBe(cacheOn.public_ip);
    expect(next.public_ip).not.toBe(on.body.public_ip);
  });

  it('deleting an exposed VM releases its address and its domain', async () => {
    const key = await ctx.newKey();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'site', image: 'nodejs-24' } })).body;
    expect((await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key, body: { domain: 'site.example.org' } })).status).toBe(201);
    expect((await api('DELETE', `/v1/hosting/vms/${vm.id}`, { key })).status).toBe(204);
    const history = (await api('GET', `/v1/hosting/vms/${vm.id}/events`, { key })).status;
    expect(history).toBe(404);
    // The domain is free again for anyone.
    const other = await ctx.newKey('next-owner');
    const web = (await api('POST', '/v1/hosting/vms', { key: other, body: { name: 'web', image: 'nodejs-24' } })).body;
    expect(web.public_ip).not.toBe(vm.public_ip);
    expect((await api('POST', `/v1/hosting/vms/${web.id}/domains`, { key: other, body: { domain: 'site.example.org' } })).status).toBe(201);
  });
});

describe('a domain claim left behind by a crash', () => {
  // A claim is written before the VM records the domain; a crash between the
  // two leaves a claim no VM lists. Written here straight into the store, as
  // the crashed instance left it.
  async function leaveOrphanClaim(domain: string, claimedAt: Date): Promise<void> {
    const store = await createJetStreamEventStore(ctx.nats.connectOptions('admin'), { stream: ctx.platform.config.eventStream, subjectPrefix: ctx.platform.config.eventSubjectPrefix });
    try {
      const command = { type: 'ClaimDomain', domain, resourceId: 'vm_01kcrashedbeforerecording', accountId: 'acc_01kcrashed', now: claimedAt } as const;
      const events = domainClaimDecider.decide(command, domainClaimDecider.initialState());
      await store.append(domainStreamId(domain), events.map((e) => domainClaimEventCodec.encode(e)), 'no_stream');
    } finally {
      await store.close();
    }
  }

  it('is taken over by the next VM once older than an add_domain can take, and not before', async () => {
    const key = await ctx.newKey();
    const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'after-crash', image: 'nodejs-24' } })).body;
    await leaveOrphanClaim('fresh.example.org', new Date());
    // Just made: the add that made it may still be under way.
    const early = await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key, body: { domain: 'fresh.example.org' } });
    expect([early.status, early.body.error.code]).toEqual([409, 'domain_taken']);
    await leaveOrphanClaim('stale.example.org', new Date(Date.now() - ORPHAN_CLAIM_GRACE_MS - 1_000));
    const added = await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key, body: { domain: 'stale.example.org' } });
    expect([added.status, added.body.domain, added.body.status]).toEqual([201, 'stale.example.org', 'pending']);
    // Now it is this VM's: another account's VM is refused it.
    const other = await ctx.newKey('other');
    const web = (await api('POST', '/v1/hosting/vms', { key: other, body: { name: 'web', image: 'nodejs-24' } })).body;
    const taken = await api('POST', `/v1/hosting/vms/${web.id}/domains`, { key: other, body: { domain: 'stale.example.org' } });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'domain_taken']);
  });
});

describe('another account’s resources', () => {
  it('answers 404 on every new endpoint and changes nothing', async () => {
    const owner = await ctx.newKey('owner');
    const intruder = await ctx.newKey('intruder');
    const vm = (await api('POST', '/v1/hosting/vms', { key: owner, body: { name: 'api', image: 'nodejs-24' } })).body;
    await api('POST', `/v1/hosting/vms/${vm.id}/domains`, { key: owner, body: { domain: 'owner.example.net' } });
    const db = (await api('POST', '/v1/hosting/databases', { key: owner, body: { name: 'pg' } })).body;
    const before = (await api('GET', `/v1/hosting/vms/${vm.id}`, { key: owner })).body;
    const calls: Array<[string, string, unknown?]> = [
      ['POST', `/v1/hosting/vms/${vm.id}/ports`, { port: 22, protocol: 'tcp' }],
      ['GET', `/v1/hosting/vms/${vm.id}/ports`],
      ['DELETE', `/v1/hosting/vms/${vm.id}/ports/3000`],
      ['POST', `/v1/hosting/vms/${vm.id}/domains`, { domain: 'evil.example.net' }],
      ['GET', `/v1/hosting/vms/${vm.id}/domains`],
      ['DELETE', `/v1/hosting/vms/${vm.id}/domains/owner.example.net`],
      ['POST', `/v1/hosting/vms/${vm.id}/domains/owner.example.net/verify`],
      ['PATCH', `/v1/hosting/databases/${db.id}`, { public_access: true }],
    ];
    for (const [method, path, body] of calls) {
      const answer = await api(method, path, { key: intruder, ...(body === undefined ? {} : { body }) });
      expect([method, path, answer.status]).toEqual([method, path, 404]);
    }
    expect((await api('GET', `/v1/hosting/vms/${vm.id}`, { key: owner })).body).toEqual(before);
    expect((await api('GET', `/v1/hosting/vms/${vm.id}/domains`, { key: owner })).body.items).toMatchObject([{ domain: 'owner.example.net', status: 'pending' }]);
    expect((await api('GET', `/v1/hosting/databases/${db.id}`, { key: owner })).body).toMatchObject({ public_access: false, public_ip: null });
  });
});
