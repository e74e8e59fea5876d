// After an outage the sweeper drives the resources left unfinished side by
// side, a bounded number at a time: recovery takes about one slow round trip
// per SWEEP_CONCURRENCY resources, not one per resource. Here ipam is down
// while many VMs are created, then comes back slow (each allocation answered
// after SLOW_MS by a stand-in that counts how many it holds at once).
import { describe, expect, it } from '@jest/globals';
import { create, toJson } from '@bufbuild/protobuf';
import { connect, type Msg } from '@nats-io/transport-node';
import { routes } from '@pn/contracts';
import { SWEEP_CONCURRENCY } from '../../services/resources/src/provisioning/provisioning-sweeper.js';
import { usePlatform } from '../support/platform.js';

const PENDING = 40;
const SLOW_MS = 800;
/** One after another these would take PENDING × SLOW_MS (32 s); side by side ceil(40 / 16) × SLOW_MS (2.4 s), plus dns and appends. */
const RECOVERY_BOUND_MS = 10_000;

describe('the sweeper after an outage', () => {
  const ctx = usePlatform('sweeper-concurrency suite', { without: ['ipam'], env: { PROVISION_RETRY_MS: '200', RPC_TIMEOUT_MS: '2000' } });

  it('drives many pending resources at once, never more than its bound, and they complete in a few slow round trips', async () => {
    const key = await ctx.newKey('sweep');
    const created = await Promise.all([...Array(PENDING).keys()].map((i) => ctx.api('POST', '/v1/hosting/vms', { key, body: { name: `vm${i}` } })));
    expect(created.map((c) => c.status)).toEqual(Array(PENDING).fill(202));

    // ipam is back, slow: it answers every allocation SLOW_MS after it arrived.
    const nc = await connect(ctx.nats.connectOptions('admin'));
    ctx.beforeStop(() => nc.drain());
    let held = 0;
    let mostHeld = 0;
    let handedOut = 0;
    nc.subscribe(routes.allocateAddress.subject, {
      callback: (error, msg: Msg) => {
        if (error) return;
        const { id } = msg.json<{ id: string }>();
        const n = handedOut++;
        held++;
        mostHeld = Math.max(mostHeld, held);
        const ip = `10.0.${1 + (n >> 8)}.${(n & 255) + 1}`;
        setTimeout(() => {
          held--;
          if (!nc.isClosed() && !nc.isDraining()) msg.respond(JSON.stringify({ id, response: toJson(routes.allocateAddress.reply, create(routes.allocateAddress.reply, { ip })), isDisposed: true }));
        }, SLOW_MS).unref();
      },
    });
    const back = Date.now();

    const running = async () => {
      const states = await Promise.all(created.map((c) => ctx.api('GET', `/v1/hosting/vms/${c.body.id}`, { key })));
      return states.filter((s) => s.body.status === 'running').length;
    };
    let done = 0;
    while (Date.now() - back < RECOVERY_BOUND_MS && (done = await running()) < PENDING) await new Promise((r) => setTimeout(r, 200));
    const tookMs = Date.now() - back;
    process.stdout.write(`sweeper: ${done}/${PENDING} running ${tookMs} ms after ipam came back; at most ${mostHeld} allocations at once\n`);
    expect({ done, mostHeldAboveOne: mostHeld > 1, withinBound: mostHeld <= SWEEP_CONCURRENCY }).toEqual({ done: PENDING, mostHeldAboveOne: true, withinBound: true });
  }, 30_000);
});
