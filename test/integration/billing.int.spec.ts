// Egress metering on real NATS, every rule through the gateway: flows
// published on the bus as the data plane would, usage, invoices and rejected
// records read back over HTTP, to the byte and the cent.
import { describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AddressHeldSchema, AddressScope } from '@pn/contracts';
import { usePlatform } from '../support/platform.js';

// Quarantine 0: a deleted VM's address goes to the next VM at once (the reused-address test).
const ctx = usePlatform('billing', { env: { IP_QUARANTINE_SECONDS: '0' } });

const now = () => Math.floor(Date.now() / 1000);
const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

async function eventually<T>(probe: () => Promise<T>, done: (t: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function withNats<T>(use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect(ctx.nats.connectOptions('admin'));
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

/** Publishes each body on the flows subject (or `<prefix>.<suffix>`) through JetStream. */
const publish = (bodies: unknown[], suffix = '') =>
  withNats(async (nc) => {
    const js = jetstream(nc);
    const subject = ctx.platform.config.flowsSubjectPrefix + (suffix ? `.${suffix}` : '');
    for (const body of bodies) await js.publish(subject, typeof body === 'string' ? body : JSON.stringify(body));
  });

describe('egress metering', () => {
  it('classifies every flow by who held each address then, prices it, and parks what it cannot read', async () => {
    const key = await ctx.newKey('metered');
    const H = { key };
    const web = (await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'web', image: 'nodejs-24' } })).body;
    const worker = (await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'worker' } })).body;
    const db = (await ctx.api('POST', '/v1/hosting/databases', { ...H, body: { name: 'pg' } })).body;
    const dbPublic = (await ctx.api('PATCH', `/v1/hosting/databases/${db.id}`, { ...H, body: { public_access: true } })).body;
    const net = (await ctx.api('GET', '/v1/hosting/network/topology', H)).body.network_id;
    expect(web.public_ip).toBeTruthy();
    expect(dbPublic.public_ip).toBeTruthy();
    const t = now();
    const f = (flow_id: string, src_ip: string, dst_ip: string, bytes: number) => ({ flow_id, network_id: net, src_ip, src_port: 40000, dst_ip, dst_port: 443, protocol: 6, bytes, packets: 1, start: t, end: t + 1 });
    const flows = [
      f('private', worker.private_ip, web.private_ip, 1_000), // free
      f('egress', worker.private_ip, '8.8.8.8', 60_000_000_000), // billed to worker
      f('response', web.public_ip, '198.51.100.7', 50_000_000_000), // a response to a browser, billed to web
      f('ingress', '198.51.100.7', web.private_ip, 7_000), // free
      f('hairpin', worker.private_ip, dbPublic.public_ip, 3_000_000_000), // billed, with a hint
      f('nobody', worker.private_ip, '10.0.9.9', 11), // rejected
    ];
    // A batch with one malformed flow, the same batch again (redelivery/replay), one record that is not JSON.
    await publish([[...flows, { ...flows[0], bytes: -5, flow_id: 'bad' }], flows, '{not json', f('egress', worker.private_ip, '8.8.8.8', 60_000_000_000)]);
    // The same flow without flow_id, twice (deduplicated by its tuple), and a VPC Flow Logs v2 line.
    const { flow_id: _x, ...anonymous } = f('', worker.private_ip, '1.1.1.1', 5);
    await publish([anonymous, anonymous]);
    await publish([`2 ${'acc'} ${worker.id} ${worker.private_ip} 9.9.9.9 1 2 6 1 100 ${t} ${t + 1} ACCEPT OK`], 'vpc-v2');

    const period = month(t * 1000);
    const usage = await eventually(
      () => ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, H),
      (r) => r.status === 200 && r.body.totals.rejected_bytes === 11 && r.body.totals.egress_bytes >= 113_000_000_005,
    );
    expect(usage.status).toBe(200);
    expect(usage.body.totals).toEqual({ private_bytes: 1_000, egress_bytes: 113_000_000_005, ingress_bytes: 7_000, rejected_bytes: 11 });
    const byId = Object.fromEntries(usage.body.by_resource.map((r: any) => [r.resource_id, r]));
    expect(byId[worker.id]).toMatchObject({ name: 'worker', type: 'vm', project: 'default', private_bytes: 1_000, egress_bytes: 63_000_000_005 });
    expect(byId[web.id]).toMatchObject({ egress_bytes: 50_000_000_000, ingress_bytes: 7_000 });
    // 113.000000005 GB − 100 free = 13.000000005 GB × 0.09 = 1.17000000045 → 1.17
    expect(usage.body.charges).toEqual(expect.objectContaining({ currency: 'USD', free_gb: '100', billable_gb: '13.000000005', price_per_gb: '0.09', amount: '1.17' }));
    expect(usage.body.hints).toEqual([expect.objectContaining({ resource_id: worker.id, target_resource_id: db.id, private_hostname: 'pg.internal' })]);
    expect(usage.body.status).toBe('draft');
    // By UTC day: every day of the month, the flows on the day they started (rejected bytes on none).
    const today = new Date(t * 1000).toISOString().slice(0, 10);
    expect(usage.body.by_day.map((d: any) => d.day)).toEqual(
      Array.from({ length: new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).getUTCDate() }, (_, i) => `${period}-${String(i + 1).padStart(2, '0')}`),
    );
    expect(usage.body.by_day.find((d: any) => d.day === today)).toEqual({ day: today, private_bytes: 1_000, egress_bytes: 113_000_000_005, ingress_bytes: 7_000 });
    expect(usage.body.by_day.filter((d: any) => d.day !== today).every((d: any) => d.egress_bytes === 0 && d.private_bytes === 0 && d.ingress_bytes === 0)).toBe(true);

    const rejected = (await ctx.api('GET', `/v1/hosting/billing/rejected?period=${period}`, H)).body;
    expect(rejected).toMatchObject({ rejected_count: 1, rejected_bytes: 11 });
    expect(rejected.rejected[0]).toMatchObject({ flow_id: 'nobody', dst_ip: '10.0.9.9', bytes: 11 });
    // The malformed flow names its network, so its account sees it parked; the non-JSON record has no owner to show it to.
    expect(rejected.parked).toEqual([expect.objectContaining({ reason: 'bytes must be a non-negative integer' })]);

    const invoice = (await ctx.api('GET', `/v1/hosting/billing/invoices/${period}`, H)).body;
    expect(invoice).toMatchObject({ period, status: 'draft', currency: 'USD', total: '1.17' });
    const csv = await fetch(`${ctx.platform.url}/v1/hosting/billing/invoices/${period}?format=csv`, { headers: { 'x-api-key': key } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[1]).toBe(`${period},draft,egress,${period},113000000005,13.000000005,0.09,1.17,USD`);

    expect((await ctx.api('GET', `/v1/hosting/billing/usage?period=2026-13`, H)).status).toBe(400);
    expect((await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}&project=nope`, H)).status).toBe(404);
    const other = await ctx.newKey('other');
    expect((await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, { key: other })).body.totals.egress_bytes).toBe(0);
  }, 60_000);

  it('bills a reused address to whoever held it at the flow time, even when the flow arrives after the reuse', async () => {
    const key = await ctx.newKey('reuse');
    const H = { key };
    const first = (await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'first' } })).body;
    const net = (await ctx.api('GET', '/v1/hosting/network/topology', H)).body.network_id;
    const during = now();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ctx.api('DELETE', `/v1/hosting/vms/${first.id}`, H)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 1100));
    const second = (await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'second' } })).body;
    expect(second.private_ip).toBe(first.private_ip);
    const after = now() + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const flow = (id: string, start: number, bytes: number) => ({ flow_id: id, network_id: net, src_ip: first.private_ip, src_port: 1, dst_ip: '8.8.8.8', dst_port: 53, protocol: 17, bytes, packets: 1, start, end: start });
    await publish([[flow('old', during, 111), flow('new', after, 222)]]);
    const usage = await eventually(
      () => ctx.api('GET', `/v1/hosting/billing/usage?period=${month(during * 1000)}`, H),
      (r) => r.body?.totals?.egress_bytes === 333,
    );
    const byId = Object.fromEntries(usage.body.by_resource.map((r: any) => [r.resource_id, r.egress_bytes]));
    expect(byId).toEqual({ [first.id]: 111, [second.id]: 222 });
  }, 60_000);

  it('puts a flow that arrives after its month is final on an adjustments line of the next draft invoice', async () => {
    const key = await ctx.newKey('late');
    const H = { key };
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'old-timer' } })).body;
    const net = (await ctx.api('GET', '/v1/hosting/network/topology', H)).body.network_id;
    // The address was held months ago (billing's view comes from integration facts, so the test states one).
    const longAgo = Date.UTC(2025, 0, 10);
    const owner = await eventually(
      () => withNats(async (nc) => (await (await jetstreamManager(nc)).streams.getMessage(ctx.platform.config.integrationStream, { last_by_subj: `${ctx.platform.config.integrationSubjectPrefix}.v1.address_held.${net}` }))?.json<any>()),
      (m) => !!m,
    );
    await withNats(async (nc) => {
      const fact = create(AddressHeldSchema, {
        sourceEventId: `late-${vm.id}`,
        scope: AddressScope.PRIVATE,
        ip: '10.0.1.250',
        networkId: net,
        resourceId: 'vm_longgone',
        kind: 'vm',
        accountId: owner.accountId,
        projectId: owner.projectId,
        resourceName: 'longgone',
        heldFrom: timestampFromMs(longAgo),
      });
      await jetstream(nc).publish(`${ctx.platform.config.integrationSubjectPrefix}.v1.address_held.${net}`, toJsonString(AddressHeldSchema, fact));
    });
    const start = Math.floor(Date.UTC(2025, 1, 14) / 1000); // February 2025: final long ago
    await publish([{ flow_id: 'late-1', network_id: net, src_ip: '10.0.1.250', src_port: 1, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes: 150_000_000_000, packets: 1, start, end: start }]);
    const current = month(Date.now());
    const invoice = await eventually(
      () => ctx.api('GET', `/v1/hosting/billing/invoices/${current}`, H),
      (r) => r.body?.lines?.length === 2,
    );
    expect(invoice.body.lines[1]).toMatchObject({ line: 'adjustments', period: '2025-02', egress_bytes: 150_000_000_000, billable_gb: '50', amount: '4.50' });
    expect(invoice.body.total).toBe('4.50');
    const february = (await ctx.api('GET', '/v1/hosting/billing/invoices/2025-02', H)).body;
    expect(february).toMatchObject({ status: 'final', total: '0.00' }); // never silently into the old one
    expect((await ctx.api('GET', '/v1/hosting/billing/usage?period=2025-02', H)).body.totals.egress_bytes).toBe(150_000_000_000);
  }, 60_000);
});
