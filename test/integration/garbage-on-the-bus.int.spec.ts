// Garbage on every subject a service consumes (event-store categories,
// integration facts, flows, the dns fleet): a platform restarted on it gets
// ready, and one running when it arrives keeps following. Each message is
// parked where the health report and /metrics show it, counted exactly once
// per service, and skipped.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parkedCategory } from '@pn/bus-access';
import { createJetStreamEventStore } from '@pn/event-store';
import { parkedStreamId } from '@pn/projection';
import { addressesOf, queryDns } from '@pn/dns-server';
import { busNames, loadConfig } from '@pn/service-kit';
import { startSecuredNats, uniqueId, type SecuredNats } from '@pn/test-support';
import { COMMIT_REASONS, countsOf, garbageByService, garbageKinds, publishGarbage, sendGarbage, type Published } from '../support/garbage.js';
import { deleteEventStream } from '../support/event-stream.js';
import { apiClient, startPlatform, type RunningPlatform } from '../support/platform.js';
import { runEnvironment } from '../support/service-env.js';

/** Every category a service follows, and who follows it (network, publicpool and each service's parked events are only read, one stream at a time). */
const FOLLOWED: Record<string, string> = { account: 'gateway', resource: 'resources', project: 'resources', zone: 'dns', meter: 'billing' };
const CATEGORIES = [...Object.keys(FOLLOWED), 'network', 'publicpool', ...['gateway', 'resources', 'dns', 'billing'].map(parkedCategory)];
const text = (s: string) => new TextEncoder().encode(s);
const FLOW_GARBAGE: Array<[string, Uint8Array]> = [
  ['plain text', text('not-flows')],
  ['binary bytes', Uint8Array.from([0xff, 0x00, 0xfe, 0x80])],
  ['a JSON number', text('42')],
  ['an oversize message', text('x'.repeat(1_000_000))],
];

const run = uniqueId('run');
let nats: SecuredNats;
let nc: NatsConnection;
let platform: RunningPlatform;
let api: ReturnType<typeof apiClient>;
let key = '';
let network = '';

/** The platform on the run's streams, keeping them on stop for the next restart. */
const restart = async (previous?: RunningPlatform) =>
  startPlatform(nats.url, {
    run,
    credentials: nats.credentials,
    keepStreams: true,
    env: previous ? { ADMIN_TOKEN: previous.config.adminToken } : {},
  });

/** Garbage on every consumed subject but the dns fleet's (core NATS: nobody hears it while the platform is down). */
async function publishEverywhere(): Promise<Record<string, Published[]>> {
  const c = platform.config;
  const byService: Record<string, Published[]> = { gateway: [], resources: [], dns: [], billing: [], ipam: [] };
  for (const category of CATEGORIES) {
    const published = await publishGarbage(nc, `${c.eventSubjectPrefix}.${category}.x`, garbageKinds(`${category}-x`));
    if (FOLLOWED[category]) byService[FOLLOWED[category]]!.push(...published);
  }
  for (const fact of ['address_held', 'address_hold_ended']) {
    byService.billing!.push(...(await publishGarbage(nc, `${c.integrationSubjectPrefix}.v1.${fact}.x`, garbageKinds('x-x'))));
  }
  byService.billing!.push(...(await publishGarbage(nc, c.flowsSubjectPrefix, FLOW_GARBAGE)));
  byService.billing!.push(...(await publishGarbage(nc, `${c.flowsSubjectPrefix}.vpc-v2`, FLOW_GARBAGE.slice(1, 2))));
  return byService;
}

const listed = (report: { recent: Array<{ subject: string; seq: number }> }) => report.recent.map((g) => `${g.subject}#${g.seq}`).sort();
const expectedList = (published: Published[]) => published.map((p) => `${p.subject}#${p.seq}`).sort();

async function vmResolves(name: string) {
  const vm = (await api('POST', '/v1/hosting/vms', { key, body: { name } })).body;
  expect(vm.private_ip).toMatch(/^10\./);
  network ||= (await api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
  const resolved = await api('GET', `/v1/hosting/network/resolve?name=${name}.vm.internal`, { key });
  expect(resolved.body).toMatchObject({ rcode: 'NOERROR', addresses: [vm.private_ip] });
  const answer = await queryDns({ host: '127.0.0.1', port: platform.dnsPort, networkId: network, name: `${name}.vm.internal`, transport: 'udp', timeoutMs: 2000 });
  expect(addressesOf(answer)).toEqual([vm.private_ip]);
  const listedVms = (await api('GET', '/v1/hosting/vms?limit=100', { key })).body.items.map((v: { id: string }) => v.id);
  expect(listedVms).toContain(vm.id);
  return vm;
}

beforeAll(async () => {
  nats = await startSecuredNats(busNames(loadConfig(runEnvironment(run))));
  // The garbage comes from a client that may publish anywhere (admin): what
  // a buggy service or a stolen credential of the right role could send.
  nc = await connect(nats.connectOptions('admin'));
  platform = await restart();
  api = apiClient(platform.url);
  const account = await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'garbage' } });
  key = account.body.api_key;
  await vmResolves('before');
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  // The last platform kept its streams for a restart that does not come.
  if (platform) await deleteEventStream(nats.connectOptions('admin'), platform.config.eventStream, platform.config.integrationStream, platform.config.flowsStream);
  await nc?.close();
  await nats?.stop();
}, 60_000);

describe('garbage on the bus', () => {
  let parkedAtBoot: Record<string, Published[]>;

  it('a platform restarted on garbage on every subject it consumes gets ready, and lists what it parked', async () => {
    await platform.stop();
    parkedAtBoot = await publishEverywhere();
    platform = await restart(platform);
    api = apiClient(platform.url);
    const ready = await api('GET', '/readyz');
    expect(ready.status).toBe(200);

    const garbage = await garbageByService(platform.url);
    for (const service of ['gateway', 'resources', 'dns', 'billing', 'ipam']) {
      expect({ service, listed: listed(garbage[service]!), total: garbage[service]!.total }).toEqual({ service, listed: expectedList(parkedAtBoot[service]!), total: parkedAtBoot[service]!.length });
    }
    // Exact counts by consumer and reason: each kind is told apart.
    const esCounts = (category: string) => Object.fromEntries(Object.values(COMMIT_REASONS).map((reason) => [`es:${category} ${reason}`, 1]));
    expect(countsOf(garbage.gateway!)).toEqual(esCounts('account'));
    expect(countsOf(garbage.resources!)).toEqual({ ...esCounts('resource'), ...esCounts('project') });
    expect(countsOf(garbage.dns!)).toEqual(esCounts('zone'));
    expect(countsOf(garbage.billing!)).toEqual({
      ...esCounts('meter'),
      'integration not_json': 2,
      'integration wrong_shape': 6,
      'integration oversize': 2,
      'integration binary': 2,
      'flows not_json': 2,
      'flows binary': 2,
      'flows wrong_shape': 1,
    });
    expect(garbage.ipam!.total).toBe(0);

    // The same in /metrics, with each listed message's subject and sequence.
    const metrics = await (await fetch(platform.metricsUrls.dns!)).text();
    for (const reason of Object.values(COMMIT_REASONS)) expect(metrics).toContain(`pn_bus_garbage_parked_total{consumer="es:zone",reason="${reason}",service="dns"} 1`);
    for (const p of parkedAtBoot.dns!) expect(metrics).toMatch(new RegExp(`pn_bus_garbage_listed\\{consumer="es:zone",subject="${p.subject.replace(/\./g, '\\.')}",stream="[^"]+",seq="${p.seq}"`));
    const gatewayMetrics = await (await fetch(`${platform.url}/metrics`)).text();
    expect(gatewayMetrics).toContain('pn_bus_garbage_parked_total{consumer="es:account",reason="binary",service="gateway"} 1');

    // Positive control: the account from before the restart creates a VM, and its name resolves.
    await vmResolves('after-restart');
  }, 120_000);

  it('a running platform keeps following when garbage arrives, and parks it once', async () => {
    const before = await garbageByService(platform.url);
    const arrived = await publishEverywhere();
    const fleet = `dns.fleet.${platform.config.eventStream.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const kinds = garbageKinds('x-x').slice(0, 5);
    arrived.dns!.push(...(await sendGarbage(nc, `${fleet}.heartbeat`, kinds)), ...(await sendGarbage(nc, `${fleet}.caught-up`, kinds)));

    // Read models follow past it: a VM created after the garbage is listed and resolves.
    await vmResolves('after-garbage');
    expect((await api('GET', '/readyz')).status).toBe(200);

    for (const service of ['gateway', 'resources', 'dns', 'billing', 'ipam']) {
      const expected = before[service]!.total + arrived[service]!.length;
      let now = (await garbageByService(platform.url))[service]!;
      for (let i = 0; i < 50 && now.total < expected; i++) {
        await new Promise((r) => setTimeout(r, 100));
        now = (await garbageByService(platform.url))[service]!;
      }
      expect({ service, total: now.total }).toEqual({ service, total: expected });
      const newSequenced = arrived[service]!.filter((p) => p.seq > 0);
      expect(listed(now)).toEqual(expect.arrayContaining(expectedList(newSequenced)));
    }
    const dnsCounts = countsOf((await garbageByService(platform.url)).dns!);
    expect(dnsCounts).toMatchObject({ 'dns-fleet not_json': 2, 'dns-fleet wrong_shape': 4, 'dns-fleet oversize': 2, 'dns-fleet binary': 2 });
  }, 120_000);

  it("an event a read model cannot apply is parked in its own service's parked stream, written with that service's credentials", async () => {
    const store = await createJetStreamEventStore(nats.connectOptions('admin'), { stream: platform.config.eventStream, subjectPrefix: platform.config.eventSubjectPrefix });
    const parked = parkedStreamId('resources.projects.v1');
    expect(parked).toBe('parked_resources-projects_v1');
    try {
      // A well-formed commit holding an event that is not what its type says: resources' project list cannot apply it.
      const poisoned = `project-poison${Date.now()}`;
      await store.append(poisoned, [{ type: 'ProjectCreated', data: Buffer.from('not a project') }], 'any');
      let records: Array<{ stream_id: string }> = [];
      for (let i = 0; i < 100 && !records.some((r) => r.stream_id === poisoned); i++, await new Promise((r) => setTimeout(r, 100))) {
        records = (await store.read(parked).catch(() => [])).map((e) => JSON.parse(Buffer.from(e.data).toString()) as { stream_id: string });
      }
      expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ stream_id: poisoned, event_type: 'ProjectCreated', projection: 'resources.projects.v1' })]));
      // And the read model went on: a VM created after it is listed and resolves.
      await vmResolves('after-poison');
    } finally {
      await store.close();
    }
  }, 60_000);
});
