// The platform on a three-node NATS cluster (every stream, bucket and durable
// consumer R3, NATS_URL naming all three nodes), with creates in flight while
// nodes die: the stream leader's node killed with -9 right after boot and
// started again, then the node the gateway is connected to; afterwards a
// whole-system restart while the cluster is still electing its leaders.
// Measured per kill: the longest stretch without a successful create, and
// the answers the clients saw (503s above all). Then the chaos suite's
// checks: every create ended running or failed, one resource per idempotency
// key, distinct addresses, names resolving, and nothing changed by the restart.
//
// Short by default (inside `npm test`): nodes down 10 s. CLUSTER=full: down
// 30 s, more clients, and the resources service's node killed too.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { addressesOf, queryDns, rcodeOf } from '@pn/dns-server';
import { startNatsCluster, type NatsCluster } from '@pn/test-support';
import { CreateClients, window, type Outcome } from '../support/create-clients.js';
import { startSupervisedPlatform, type SupervisedPlatform } from '../support/supervised-platform.js';

const FULL = process.env.CLUSTER === 'full';
const CLIENTS = FULL ? 12 : 6;
/** How long a killed node stays down (the issue's runs: 30 s). */
const DOWN_MS = FULL ? 30_000 : 10_000;
/** How long creates go on after the node is back, before the next kill. */
const AFTER_MS = FULL ? 10_000 : 5_000;
/**
 * The longest a kill may leave the platform without a successful create: a
 * new stream leader takes ~5 s, a consumer gone silent is noticed within 4 s
 * (SILENCE_MS) and recreated within a retry, a client retries within 0.5 s.
 * Double that for a loaded 2-core machine; the reported 26 s and the minutes
 * until the dead node came back both fail it.
 */
const MAX_GAP_MS = 20_000;

let cluster: NatsCluster;
let platform: SupervisedPlatform;
let nc: NatsConnection;
let clients: CreateClients;

beforeAll(async () => {
  cluster = await startNatsCluster();
  await cluster.jetStreamReady();
  platform = await startSupervisedPlatform(cluster.url, { EVENT_STREAM_REPLICAS: '3' });
  clients = new CreateClients(platform);
  const account = await clients.request('POST', '/v1/admin/accounts', { body: { name: 'cluster' }, admin: true });
  expect(account.status).toBe(201);
  clients.key = account.body.api_key;
  nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1 });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await platform?.stop();
  await cluster?.dispose();
});

const resolve = async (net: string, name: string) =>
  queryDns({ host: '127.0.0.1', port: platform.dnsPort, name, networkId: net, transport: 'udp', type: 'A', timeoutMs: 2000 });

/** The node most of a service's named connections are on (its bus client, consumers, idempotency store). */
async function nodeOf(service: string): Promise<string> {
  const nodes = [...(await cluster.connectionsOf(service))].sort((a, b) => b[1] - a[1]);
  if (nodes.length === 0) throw new Error(`no connection of ${service} found on any node`);
  return nodes[0]![0];
}

async function leaderOf(stream: string): Promise<string> {
  for (let tries = 0; tries < 100; tries++) {
    const leader = await cluster.streamLeader(stream);
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${stream} has no leader`);
}

describe(`NATS cluster (${FULL ? 'full' : 'short'}: ${CLIENTS} clients, nodes down ${DOWN_MS / 1000} s)`, () => {
  it('rides through killed nodes and a restart while the cluster elects, losing and doubling no create', async () => {
    const events = platform.env.EVENT_STREAM!;
    let over = false;
    let giveUp = false;
    let next = 0;
    const outcomes: Outcome[] = [];
    const workers = Array.from({ length: CLIENTS }, async () => {
      while (!over) outcomes.push(await clients.create(next++, () => giveUp));
    });

    // Kills: right after boot the stream leader's node, then the gateway's (and in full, resources').
    const targets: Array<readonly [string, () => Promise<string>]> = [
      ['event stream leader (right after boot)', () => leaderOf(events)],
      ['gateway node', () => nodeOf('gateway')],
      ...(FULL ? ([['resources node', () => nodeOf('resources')], ['event stream leader', () => leaderOf(events)]] as const) : []),
    ];
    const measured: Array<{ what: string; node: string; longestGapMs: number; counts: Map<string, number> }> = [];
    await new Promise((r) => setTimeout(r, 1000));
    for (const [what, find] of targets) {
      const node = await find();
      const killedAt = Date.now();
      await cluster.stop(node, 'SIGKILL');
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await cluster.start(node);
      await new Promise((r) => setTimeout(r, AFTER_MS));
      measured.push({ what, node, ...window(clients.attempts, killedAt, Date.now()) });
    }
    over = true;
    const stopWaiting = setTimeout(() => (giveUp = true), 90_000);
    await Promise.all(workers);
    clearTimeout(stopWaiting);

    for (const m of measured) {
      process.stdout.write(
        `cluster: ${m.what} (${m.node}) killed -9 for ${DOWN_MS / 1000} s: longest without a successful create ${m.longestGapMs} ms; ` +
          `answers: ${[...m.counts].map(([s, n]) => `${s}×${n}`).join(', ')}\n`,
      );
    }
    process.stdout.write(`cluster: ${outcomes.length} creates, ${clients.attempts.length} attempts\n`);
    // Every client got its resource (none gave up, none refused, nobody saw a 500).
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => o.statuses.includes(500))).toEqual([]);
    expect(measured.filter((m) => m.longestGapMs > MAX_GAP_MS).map((m) => `${m.what}: ${m.longestGapMs} ms`)).toEqual([]);

    // Every stream and bucket, and the durable consumer, is kept by all three nodes.
    const jsm = await jetstreamManager(nc);
    const replicas = new Map<string, number>();
    for await (const s of jsm.streams.list()) replicas.set(s.config.name, s.config.num_replicas);
    expect([...replicas.keys()]).toEqual(
      expect.arrayContaining([events, platform.env.INTEGRATION_STREAM, platform.env.FLOWS_STREAM, 'KV_idempotency', `OBJ_${events}_SNAPSHOTS`]),
    );
    expect([...replicas].filter(([, n]) => n !== 3)).toEqual([]);
    const meter = await jsm.consumers.info(platform.env.FLOWS_STREAM!, 'billing-meter');
    expect(meter.cluster?.replicas?.length).toBe(2); // two followers beside the leader

    const all = await clients.settled();
    // None stuck; exactly one resource per client (per idempotency key), the one its answer named.
    expect(all.filter((r) => r.status === 'provisioning' || r.status === 'deleting')).toEqual([]);
    const byName = new Map<string, string[]>();
    for (const r of all) byName.set(r.name, [...(byName.get(r.name) ?? []), r.id]);
    expect([...byName.values()].filter((ids) => ids.length > 1)).toEqual([]);
    expect(all).toHaveLength(outcomes.length);
    for (const o of outcomes) expect(byName.get(o.name)).toEqual([o.id]);
    // Addresses distinct, names resolving to them.
    const ips = all.map((r) => r.private_ip).filter((ip): ip is string => ip !== null);
    expect(new Set(ips).size).toBe(ips.length);
    const net = (await clients.request('GET', '/v1/hosting/network/topology')).body.network_id;
    const ready = all.filter((r) => r.status === 'running' || r.status === 'available');
    expect(ready.length).toBe(all.filter((r) => r.status !== 'failed').length);
    for (const r of ready) expect(addressesOf(await resolve(net, r.name))).toEqual([r.private_ip]);

    // A whole-system restart with the services started while the cluster is still electing:
    // they wait for JetStream (none exits), and every resource, address and answer is kept.
    await platform.stop();
    for (const node of cluster.nodes) await cluster.stop(node.name, 'SIGTERM');
    const reportsBefore = platform.reports.length;
    const restartedAt = Date.now();
    await Promise.all(cluster.nodes.map((node) => cluster.start(node.name)));
    await platform.start();
    process.stdout.write(`cluster: whole-system restart healthy in ${Date.now() - restartedAt} ms\n`);
    expect(platform.reports.slice(reportsBefore)).toEqual([]);
    const after = await clients.settled();
    expect(after).toEqual(all);
    for (const r of ready) {
      const answer = await resolve(net, r.name);
      expect(rcodeOf(answer)).toBe('NOERROR');
      expect(addressesOf(answer)).toEqual([r.private_ip]);
    }
  }, (FULL ? 12 : 4) * 60_000);
});
