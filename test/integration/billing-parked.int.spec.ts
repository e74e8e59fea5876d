// Garbage costs nothing forever: a flood of unreadable flow records from one
// publisher is counted exactly, keeps a bounded sample per network and month,
// adds little history, and does not hold up another account's flows.
import { describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('billing-parked');
const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

describe('parked flow records', () => {
  it('10,000 garbage records of 4 KB: counted exactly, a bounded sample kept, under 2 MB of history, the others metered meanwhile', async () => {
    const flooder = await ctx.newKey('flooder');
    // A resource, so billing knows whose network the garbage names.
    await ctx.api('POST', '/v1/hosting/vms', { key: flooder, body: { name: 'flooded' } });
    const floodNet = (await ctx.api('GET', '/v1/hosting/network/topology', { key: flooder })).body.network_id;
    const other = await ctx.newKey('bystander');
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key: other, body: { name: 'bystander' } })).body;
    const otherNet = (await ctx.api('GET', '/v1/hosting/network/topology', { key: other })).body.network_id;
    const nc = await connect(ctx.nats.connectOptions('admin'));
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const historyBytes = async () => Number((await jsm.streams.info(ctx.platform.config.eventStream)).state.bytes);
    const subject = ctx.platform.config.flowsSubjectPrefix;
    const t = Math.floor(Date.now() / 1000);
    const period = month(t * 1000);
    const before = await historyBytes();

    const garbage = (i: number) => JSON.stringify({ network_id: floodNet, flow_id: `g-${i}`, bytes: -1, pad: 'x'.repeat(4000) });
    const count = 10_000;
    for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: 200 }, (_, j) => js.publish(subject, garbage(i + j))));
    // The bystander's flow, published after the whole flood.
    const published = Date.now();
    await js.publish(subject, JSON.stringify({ flow_id: 'after-flood', network_id: otherNet, src_ip: vm.private_ip, src_port: 1, dst_ip: '8.8.8.8', dst_port: 443, protocol: 6, bytes: 777, packets: 1, start: t, end: t }));
    let metered = 0;
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const usage = await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, { key: other });
      if (usage.body?.totals?.egress_bytes === 777) {
        metered = Date.now() - published;
        break;
      }
    }
    console.log(`the bystander's flow metered ${metered} ms after the flood of ${count} was published`);
    expect(metered).toBeGreaterThan(0);
    expect(metered).toBeLessThan(5_000);

    let rejected: any;
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      rejected = (await ctx.api('GET', `/v1/hosting/billing/rejected?period=${period}`, { key: flooder })).body;
      if (rejected.parked_count >= count) break;
    }
    expect(rejected.parked_count).toBe(count);
    expect(rejected.parked.length).toBeGreaterThan(0);
    expect(rejected.parked.length).toBeLessThanOrEqual(20);
    expect(rejected.parked[0]).toMatchObject({ reason: 'src_ip must be an IPv4 address' });
    const added = (await historyBytes()) - before;
    console.log(`history added by ${count} garbage records of 4 KB: ${(added / 1e6).toFixed(2)} MB`);
    expect(added).toBeLessThan(2_000_000);
    await nc.close();
  }, 180_000);
});
