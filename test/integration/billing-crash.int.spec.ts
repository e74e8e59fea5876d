// Exactly once across a crash: billing runs as its own process, is killed
// with SIGKILL while a stream of flows is being ingested, and started again;
// part of the stream is also published twice. The totals must equal the
// exact sum of the distinct flows: no byte lost, none doubled.
import { describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startBillingProcess, untilBillingAnswers } from '../support/billing-process.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('billing-crash', { without: ['billing'] });

describe('billing killed mid-stream', () => {
  it('loses no byte and doubles none (build first: the process runs services/billing/dist)', async () => {
    let billing = startBillingProcess(ctx);
    ctx.beforeStop(async () => billing.kill('SIGTERM'));
    const key = await ctx.newKey('crash');
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'busy' } })).body;
    const net = (await ctx.api('GET', '/v1/hosting/network/topology', { key })).body.network_id;
    await untilBillingAnswers(ctx, key);
    const t = Math.floor(Date.now() / 1000);
    const messages = 400;
    const perMessage = 50;
    let expected = 0n;
    const batches: string[] = [];
    for (let m = 0; m < messages; m++) {
      const flows = [];
      for (let i = 0; i < perMessage; i++) {
        const bytes = 1_000_003 * (m + 1) + i; // all different, so a lost or doubled flow shows
        expected += BigInt(bytes);
        flows.push({ flow_id: `c-${m}-${i}`, network_id: net, src_ip: vm.private_ip, src_port: 1000 + i, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes, packets: 1, start: t, end: t + 1 });
      }
      batches.push(JSON.stringify(flows));
    }
    const nc = await connect(ctx.nats.connectOptions('operator'));
    const js = jetstream(nc);
    const subject = ctx.platform.config.flowsSubjectPrefix;
    let killedAt = -1;
    for (let m = 0; m < messages; m++) {
      await js.publish(subject, batches[m]!);
      if (m === 120) {
        // Give it time to be mid-stream, then kill it without a chance to ack or checkpoint.
        await new Promise((r) => setTimeout(r, 1500));
        billing.kill('SIGKILL');
        killedAt = m;
      }
    }
    // A replay of the first 100 messages (republished by the data plane).
    for (let m = 0; m < 100; m++) await js.publish(subject, batches[m]!);
    await nc.close();
    expect(killedAt).toBe(120);
    billing = startBillingProcess(ctx);

    const period = new Date(t * 1000).toISOString().slice(0, 7);
    let egress: unknown;
    for (const until = Date.now() + 90_000; Date.now() < until; ) {
      const r = await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, { key });
      egress = r.body?.totals?.egress_bytes;
      if (r.status === 200 && BigInt(egress as number) >= expected) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(BigInt(egress as number)).toBe(expected);
    // And it stays there: nothing left to double it.
    await new Promise((r) => setTimeout(r, 2000));
    const again = await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, { key });
    expect(BigInt(again.body.totals.egress_bytes)).toBe(expected);
  }, 150_000);
});
