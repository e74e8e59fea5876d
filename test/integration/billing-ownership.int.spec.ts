// Billing never classifies a flow against ownership facts that are not
// complete yet. The platform runs without resources: the suite is the
// publisher of the facts, and says how far it has published (its watermark,
// as resources does), so it can lag, stall or write a foreign message on the
// stream at will.
import { afterAll, describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { integrationWatermarkSubject, LOCAL_HOST } from '@pn/bus-access';
import { AddressHeldSchema, AddressScope } from '@pn/contracts';
import { usePlatform } from '../support/platform.js';

// Billing's own settings are read from the process environment (meter-options.ts): set for this suite's platform only.
process.env.BILLING_OWNERSHIP_WAIT_SECONDS = '8';
const ctx = usePlatform('billing-ownership', { without: ['resources'] });
afterAll(() => {
  delete process.env.BILLING_OWNERSHIP_WAIT_SECONDS;
});
const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;

/** The suite as the integration publisher: facts on the stream, and its watermark. */
async function publisher(nc: NatsConnection) {
  const c = ctx.platform.config;
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    held: async (accountId: string, networkId: string, ip: string, resourceId: string, fromMs: number) => {
      const fact = create(AddressHeldSchema, { sourceEventId: `ev-${resourceId}`, scope: AddressScope.PRIVATE, ip, networkId, resourceId, kind: 'vm', accountId, projectId: 'prj_1', resourceName: resourceId, heldFrom: timestampFromMs(fromMs) });
      await js.publish(`${c.integrationSubjectPrefix}.v1.address_held.${networkId}`, toJsonString(AddressHeldSchema, fact));
    },
    foreign: () => js.publish(`${c.integrationSubjectPrefix}.v2.something_else`, '{"not":"a v1 fact"}'),
    /** "Every fact of an event before `throughMs` is on the stream" (as of now). */
    watermark: async (throughMs: number) => {
      const seq = (await jsm.streams.info(c.integrationStream)).state.last_seq;
      nc.publish(integrationWatermarkSubject(c.integrationSubjectPrefix), JSON.stringify({ through_ms: throughMs, seq }));
    },
    flow: (networkId: string, srcIp: string, bytes: number, start: number) =>
      js.publish(c.flowsSubjectPrefix, JSON.stringify({ flow_id: `o-${n++}`, network_id: networkId, src_ip: srcIp, src_port: 1, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes, packets: 1, start, end: start })),
    /** A record as host `local`'s agent publishes it: on its host's subject, under its flow ids. */
    hostFlow: (networkId: string, srcIp: string, bytes: number, start: number) =>
      js.publish(`${c.flowsSubjectPrefix}.host.${LOCAL_HOST}`, JSON.stringify({ flow_id: `${LOCAL_HOST}:h${n++}:1:o`, network_id: networkId, src_ip: srcIp, src_port: 1, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes, packets: 1, start, end: start })),
  };
}

async function account(name: string) {
  const { body } = await ctx.api('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name } });
  return { key: body.api_key as string, id: body.id as string, net: `net_${name}${Date.now()}` };
}

/** Egress from the invoice and rejected bytes from the listing (the usage report names projects, and resources does not run here). */
async function usage(key: string, period: string) {
  const invoice = (await ctx.api('GET', `/v1/hosting/billing/invoices/${period}`, { key })).body;
  const rejected = (await ctx.api('GET', `/v1/hosting/billing/rejected?period=${period}`, { key })).body;
  return { egress_bytes: invoice.lines.find((l: any) => l.line === 'egress')?.egress_bytes ?? 0, rejected_bytes: rejected.rejected_bytes };
}
const projection = async (name: string) => (await ctx.api('GET', '/healthz')).body.details.billing.projections.find((p: any) => p.name === name);
const feed = () => projection('billing.ownership-feed');

describe('ownership completeness', () => {
  it("waits for the publisher's own watermark, however far behind it is, and then classifies right", async () => {
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const p = await publisher(nc);
    const a = await account('lagging');
    const t0 = Date.now();
    await p.held(a.id, a.net, '10.0.1.5', 'vm_a', t0 - 60_000);
    const t = Math.floor(Date.now() / 1000);
    await p.flow(a.net, '10.0.1.9', 4_242, t);
    // The publisher is behind (its VM's fact not out yet) for longer than any lag bound billing could assume.
    for (let i = 0; i < 16; i++) {
      await p.watermark(t * 1000 - 5_000);
      await sleep(250);
    }
    expect(await usage(a.key, month(t * 1000))).toMatchObject({ egress_bytes: 0, rejected_bytes: 0 });
    // Visible: the feed lags, billing is not ready, while the flow waits.
    expect((await feed()).lag_ms).toBeGreaterThan(2_000);
    expect((await ctx.api('GET', '/healthz')).body.details.billing.ready).toBe(false);
    // Then the fact, and the word that everything up to now is out.
    await p.held(a.id, a.net, '10.0.1.9', 'vm_b', t * 1000 - 10_000);
    await p.watermark(Date.now());
    let totals: any;
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
      totals = await usage(a.key, month(t * 1000));
      if (totals.egress_bytes > 0 || totals.rejected_bytes > 0) break;
    }
    expect(totals).toMatchObject({ egress_bytes: 4_242, rejected_bytes: 0 });
    await nc.close();
  }, 60_000);

  it('is not stalled by a message on the stream that is not a fact', async () => {
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const p = await publisher(nc);
    const a = await account('foreign');
    await p.held(a.id, a.net, '10.0.1.5', 'vm_f', Date.now() - 60_000);
    await p.foreign();
    const t = Math.floor(Date.now() / 1000);
    await p.flow(a.net, '10.0.1.5', 777, t);
    let totals: any;
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(250)) {
      await p.watermark(Date.now());
      totals = await usage(a.key, month(t * 1000));
      if (totals.egress_bytes > 0) break;
    }
    expect(totals).toMatchObject({ egress_bytes: 777, rejected_bytes: 0 });
    await nc.close();
  }, 60_000);

  it('waits a bounded time: a flow whose facts never come is parked, visible, never given a class', async () => {
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const p = await publisher(nc);
    const a = await account('silent');
    await p.held(a.id, a.net, '10.0.1.5', 'vm_s', Date.now() - 60_000);
    const t = Math.floor(Date.now() / 1000);
    await p.flow(a.net, '10.0.1.5', 999, t);
    let rejected: any;
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(500)) {
      await p.watermark(t * 1000 - 5_000); // the publisher never gets past the flow's time
      rejected = (await ctx.api('GET', `/v1/hosting/billing/rejected?period=${month(t * 1000)}`, { key: a.key })).body;
      if (rejected.parked_count > 0) break;
    }
    expect(rejected).toMatchObject({ parked_count: 1, rejected_count: 0 });
    expect(rejected.parked[0].reason).toContain('ownership facts of its time were not complete');
    expect(await usage(a.key, month(t * 1000))).toMatchObject({ egress_bytes: 0, rejected_bytes: 0 });
    // The publisher catches up: the feed is current again.
    await p.watermark(Date.now());
    for (const until = Date.now() + 5_000; Date.now() < until && (await feed()).lag_ms > 1_000; await sleep(100)) await p.watermark(Date.now());
    expect((await feed()).lag_ms).toBeLessThan(1_000);
    await nc.close();
  }, 60_000);
  it("waits a bounded time, visibly, for the host a host's record names: its network's placement unknown here, the record is parked, never billed", async () => {
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const p = await publisher(nc);
    const a = await account('unplaced');
    await p.held(a.id, a.net, '10.0.1.5', 'vm_u', Date.now() - 60_000);
    // Positive control: the ownership feed is current, billing is ready and waits for no placement.
    for (const until = Date.now() + 5_000; Date.now() < until && (await feed()).lag_ms > 1_000; await sleep(100)) await p.watermark(Date.now());
    expect((await projection('billing.placements')).lag_ms).toBe(0);
    expect((await ctx.api('GET', '/healthz')).body.details.billing.ready).toBe(true);
    const t = Math.floor(Date.now() / 1000);
    // Resources does not run here: no network is placed on any host.
    await p.hostFlow(a.net, '10.0.1.5', 5_555, t);
    let waited: any;
    for (const until = Date.now() + 6_000; Date.now() < until; await sleep(250)) {
      await p.watermark(Date.now());
      waited = await projection('billing.placements');
      if (waited.lag_ms > 2_500) break;
    }
    // Visible while it waits: the placements' lag, and billing not ready.
    expect(waited.lag_ms).toBeGreaterThan(2_500);
    expect((await ctx.api('GET', '/healthz')).body.details.billing.ready).toBe(false);
    let rejected: any;
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(500)) {
      await p.watermark(Date.now());
      rejected = (await ctx.api('GET', `/v1/hosting/billing/rejected?period=${month(t * 1000)}`, { key: a.key })).body;
      if (rejected.parked_count > 0) break;
    }
    expect(rejected).toMatchObject({ parked_count: 1, rejected_count: 0 });
    expect(rejected.parked[0].reason).toContain('the host its network is placed on was not known after 8 s');
    expect(await usage(a.key, month(t * 1000))).toMatchObject({ egress_bytes: 0, rejected_bytes: 0 });
    await nc.close();
  }, 60_000);
});
