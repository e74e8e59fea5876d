// Deadlines travel: the gateway gives every HTTP request a deadline
// (REQUEST_DEADLINE_MS), every bus request carries what is left of it in a
// `Pn-Deadline` header, and a hop never waits past it. So two slow hops behind
// resources cannot stretch a create past what the client was promised, and a
// request that arrives after its deadline is not run at all.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { create, toJson } from '@bufbuild/protobuf';
import { connect, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { routes } from '@pn/contracts';
import { DEADLINE_HEADER, HOP_MARGIN_MS } from '@pn/service-kit';
import { ulid } from 'ulid';
import { usePlatform } from '../support/platform.js';

const DEADLINE_MS = 1500;
/** How long the fake ipam and the fake dns each take: either alone fits in the deadline, both do not. */
const SLOW_MS = 1000;

interface Seen {
  readonly at: number;
  /** The Pn-Deadline header as received (epoch ms), or undefined. */
  readonly deadline: number | undefined;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A responder on a route's subject that answers the way a Nest handler does
 * ({id, response, isDisposed}), after `delayMs`, and records what it was sent.
 */
function slowResponder(nc: NatsConnection, subject: string, delayMs: number, reply: () => unknown): Seen[] {
  const seen: Seen[] = [];
  nc.subscribe(subject, {
    callback: (error, msg: Msg) => {
      if (error) return;
      const raw = msg.headers?.get(DEADLINE_HEADER);
      seen.push({ at: Date.now(), deadline: raw ? Number(raw) : undefined });
      const { id } = msg.json<{ id: string }>();
      const answer = setTimeout(() => {
        if (!nc.isClosed() && !nc.isDraining()) msg.respond(JSON.stringify({ id, response: reply(), isDisposed: true }));
      }, delayMs);
      answer.unref(); // a sweep still waiting when the suite ends keeps nothing alive
    },
  });
  return seen;
}

describe('a create whose ipam and dns are both slow', () => {
  const ctx = usePlatform('deadlines suite (slow hops)', {
    without: ['ipam', 'dns'],
    // Every hop's own timeout (2 s, 6 s for the create) is longer than the deadline: only the deadline can bound it.
    env: { REQUEST_DEADLINE_MS: String(DEADLINE_MS), RPC_TIMEOUT_MS: '2000', PROVISION_RETRY_MS: '200' },
  });
  let nc: NatsConnection;
  let ipam: Seen[];
  let dns: Seen[];

  beforeAll(async () => {
    nc = await connect(ctx.nats.connectOptions('admin'));
    ipam = slowResponder(nc, routes.allocateAddress.subject, SLOW_MS, () => toJson(routes.allocateAddress.reply, create(routes.allocateAddress.reply, { ip: '10.0.1.77' })));
    dns = slowResponder(nc, routes.registerRecords.subject, SLOW_MS, () =>
      toJson(routes.registerRecords.reply, create(routes.registerRecords.reply, { hostnames: ['slow.vm.internal'] })),
    );
    ctx.beforeStop(() => nc.drain());
  });

  it('answers 202 provisioning by its deadline, each hop told the time left, and the sweeper finishes it', async () => {
    const key = await ctx.newKey();
    const sentAt = Date.now();
    const created = await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'slow' } });
    const elapsed = Date.now() - sentAt;

    // ipam answered in time; dns would have answered after the deadline, so
    // resources gave up on it and answered with what it had.
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'provisioning', private_ip: '10.0.1.77' });
    expect(elapsed).toBeLessThanOrEqual(DEADLINE_MS);

    // Both hops behind resources were told one point in time: the gateway's
    // deadline less a margin for the gateway and one for resources to answer in.
    // (The sweeper may drive the new VM alongside the request, every 200 ms
    // here; its calls carry its own timeout, now + RPC_TIMEOUT_MS, which is
    // later than anything this request may carry.)
    const forRequest = (seen: Seen[]) => seen.filter((s) => s.deadline !== undefined && s.deadline <= sentAt + DEADLINE_MS);
    expect(forRequest(ipam)).toHaveLength(1);
    expect(forRequest(dns)).toHaveLength(1);
    const [allocation] = forRequest(ipam);
    const [registration] = forRequest(dns);
    expect(allocation!.deadline).toBeGreaterThanOrEqual(sentAt + DEADLINE_MS - 2 * HOP_MARGIN_MS);
    expect(allocation!.deadline).toBeLessThanOrEqual(allocation!.at + DEADLINE_MS - 2 * HOP_MARGIN_MS);
    expect(registration!.deadline).toBe(allocation!.deadline);
    // dns was asked with only what ipam's slowness had left, not a fresh RPC timeout.
    expect(registration!.deadline! - registration!.at).toBeLessThan(DEADLINE_MS - SLOW_MS);

    // Stopping was safe: the address is recorded, and the sweeper (which works
    // for nobody waiting, so under its own timeouts) registers the names.
    const vm = await eventually(
      () => ctx.api('GET', `/v1/hosting/vms/${created.body.id}`, { key }),
      (r) => r.body.status === 'running',
    );
    expect(vm.body).toMatchObject({ status: 'running', private_ip: '10.0.1.77' });
    expect(ipam.every((s) => s.deadline !== undefined)).toBe(true);
  });
});

describe('a request that arrives after its deadline', () => {
  const ctx = usePlatform('deadlines suite (expired)');
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect(ctx.nats.connectOptions('admin'));
    ctx.beforeStop(() => nc.drain());
  });

  /** A createResource request straight onto the bus, in Nest's framing, with the given Pn-Deadline. */
  async function createDirectly(accountId: string, resourceId: string, deadline: number) {
    const h = headers();
    h.set(DEADLINE_HEADER, String(deadline));
    const data = toJson(routes.createResource.request, create(routes.createResource.request, { accountId, kind: 'vm', name: resourceId.slice(-8), region: 'us-east-1', resourceId }));
    const reply = await nc.request(routes.createResource.subject, JSON.stringify({ pattern: routes.createResource.subject, data, id: ulid() }), { timeout: 5000, headers: h });
    return reply.json<{ response?: { status?: string }; err?: { code: string; status: number } }>();
  }

  it('is not run: nothing is created, and the answer says 504 upstream_timeout', async () => {
    const account = await ctx.api('POST', '/v1/admin/accounts', { admin: ctx.platform.adminToken, body: { name: 'late' } });
    expect(account.status).toBe(201);
    const key = account.body.api_key as string;

    const late = `vm_${ulid().toLowerCase()}`;
    const answer = await createDirectly(account.body.id, late, Date.now() - 1000);
    expect(answer.err).toMatchObject({ code: 'upstream_timeout', status: 504 });
    expect((await ctx.api('GET', `/v1/hosting/vms/${late}`, { key })).status).toBe(404);
    expect((await ctx.api('GET', '/v1/hosting/vms', { key })).body.items).toEqual([]);

    // The same request in time is run (so the one above was refused for its deadline alone).
    const onTime = `vm_${ulid().toLowerCase()}`;
    expect((await createDirectly(account.body.id, onTime, Date.now() + 5000)).response).toMatchObject({ status: 'running' });
    expect((await ctx.api('GET', `/v1/hosting/vms/${onTime}`, { key })).status).toBe(200);
  });
});
