// A month's invoice closes on time while flows keep arriving, and stays
// final across a restart. Billing runs as its own process with its clock
// shifted (BILLING_CLOCK_OFFSET_MS) to a few seconds before the end of last
// month, grace 0; flows stamped with billing's time are published without a
// pause across the boundary, and billing is killed and started again.
import { describe, expect, it } from '@jest/globals';
import { create, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AddressHeldSchema, AddressScope } from '@pn/contracts';
import { startBillingProcess, untilBillingAnswers } from '../support/billing-process.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('billing-month-close', { without: ['billing'] });
const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

describe('a month closing under steady traffic', () => {
  it('becomes final on time while flows keep arriving, and a restart keeps it final (build first)', async () => {
    const now = new Date();
    const closeMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1); // the end of last month, grace 0
    const closing = month(closeMs - 1);
    const next = month(closeMs);
    const env = { BILLING_GRACE_HOURS: '0', BILLING_CLOCK_OFFSET_MS: String(closeMs - (Date.now() + 12_000)) };
    const offset = Number(env.BILLING_CLOCK_OFFSET_MS);
    const billingNow = () => Date.now() + offset;
    let billing = startBillingProcess(ctx, env);
    ctx.beforeStop(async () => billing.kill('SIGTERM'));
    const key = await ctx.newKey('closing');
    await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'steady' } });
    const net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const js = jetstream(nc);
    const prefix = ctx.platform.config.integrationSubjectPrefix;
    const owner = (await (await jetstreamManager(nc)).streams.getMessage(ctx.platform.config.integrationStream, { last_by_subj: `${prefix}.v1.address_held.${net}` }))!.json<any>();
    // Billing's clock is in the past: the address is stated held long before it.
    const held = create(AddressHeldSchema, {
      sourceEventId: `steady-${net}`,
      scope: AddressScope.PRIVATE,
      ip: '10.0.1.250',
      networkId: net,
      resourceId: 'vm_steady',
      kind: 'vm',
      accountId: owner.accountId,
      projectId: owner.projectId,
      resourceName: 'steady',
      heldFrom: timestampFromMs(Date.UTC(2025, 0, 1)),
    });
    await js.publish(`${prefix}.v1.address_held.${net}`, toJsonString(AddressHeldSchema, held));
    await untilBillingAnswers(ctx, key);

    // Steady traffic: a message of 400 flows every 25 ms, each stamped with billing's time.
    const sent = new Map<string, bigint>();
    let publishing = true;
    let n = 0;
    const traffic = (async () => {
      while (publishing) {
        const t = Math.floor(billingNow() / 1000);
        const flows = Array.from({ length: 400 }, (_, i) => ({ flow_id: `s-${n}-${i}`, network_id: net, src_ip: '10.0.1.250', src_port: 1 + i, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes: 1000 + i, packets: 1, start: t, end: t }));
        n++;
        const period = month(t * 1000);
        sent.set(period, (sent.get(period) ?? 0n) + flows.reduce((s, f) => s + BigInt(f.bytes), 0n));
        await js.publish(ctx.platform.config.flowsSubjectPrefix, JSON.stringify(flows));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const status = async (period: string) => (await ctx.api('GET', `/v1/hosting/billing/invoices/${period}`, { key })).body?.status;

    try {
      while (billingNow() < closeMs) {
        expect(await status(closing)).toBe('draft');
        await new Promise((r) => setTimeout(r, 200));
      }
      // On time: within a few seconds of the close, while flows keep coming.
      let finalAt = 0;
      for (const until = Date.now() + 8_000; Date.now() < until && !finalAt; await new Promise((r) => setTimeout(r, 100))) {
        if ((await status(closing)) === 'final') finalAt = billingNow();
      }
      expect(finalAt - closeMs).toBeGreaterThan(0);
      expect(finalAt - closeMs).toBeLessThan(8_000);
      expect(await status(next)).toBe('draft');

      // Killed and started again while the flows keep coming: final from its first answer.
      billing.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      billing = startBillingProcess(ctx, env);
      await untilBillingAnswers(ctx, key);
      expect(await status(closing)).toBe('final');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await status(closing)).toBe('final');
    } finally {
      publishing = false;
      await traffic;
    }
    // Every byte once: the closing month's flows (on its invoice or, arrived after the close, on the next one's adjustments).
    const usage = async (period: string) => BigInt((await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, { key })).body.totals.egress_bytes);
    for (const until = Date.now() + 30_000; Date.now() < until && (await usage(next)) < sent.get(next)!; ) await new Promise((r) => setTimeout(r, 300));
    expect(await usage(closing)).toBe(sent.get(closing));
    expect(await usage(next)).toBe(sent.get(next));
    await nc.close();
  }, 120_000);
});
