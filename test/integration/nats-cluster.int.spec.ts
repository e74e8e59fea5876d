// The platform on a three-node NATS cluster (every stream, bucket and durable
// consumer R3, NATS_URL naming all three nodes), with creates in flight while
// nodes die: the stream leader's node killed with -9 right after boot and
// started again, then the node the gateway is connected to, then the node
// holding the DNS server's consumer of the event stream (an ordered consumer
// is R1: it dies with its node and must be recreated on another); afterwards
// a whole-system restart while the cluster is still electing its leaders.
// Measured per kill: the longest stretch without a successful create, the
// answers the clients saw (503s above all), and how soon a resource created
// after the kill resolves in DNS: before the dead node is back, or the read
// models waited for it. Then the chaos suite's
// checks: every create ended running or failed, one resource per idempotency
// key, distinct addresses, names resolving, and nothing changed by the restart.
//
// Short by default (inside `npm test`): nodes down 20 s, no whole-system
// restart. CLUSTER=full: down 30 s, more clients, the resources service's node
// and the idempotency bucket's leader killed too, and the restart.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { addressesOf, queryDns, rcodeOf } from '@pn/dns-server';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizationConfig, writeCredentials } from '@pn/bus-access';
import { busNames, loadConfig } from '@pn/service-kit';
import { roleConnectOptions, startNatsCluster, uniqueId, type NatsCluster } from '@pn/test-support';
import { runStreams } from '../support/service-env.js';
import { CreateClients, expectEveryCreateAccountedFor, expectKeptAcrossRestart, window, type Outcome } from '../support/create-clients.js';
import { startSupervisedPlatform, type SupervisedPlatform } from '../support/supervised-platform.js';

const FULL = process.env.CLUSTER === 'full';
const CLIENTS = FULL ? 12 : 6;
/**
 * Each client pauses this long between its creates: ~5 creates a second in
 * all, fine enough to measure a gap to a fraction of a second, and few enough
 * that the full run stays well inside the per-network quota.
 */
const PAUSE_MS = FULL ? 2000 : 1000;
/** How long a killed node stays down (the issue's runs: 30 s). */
const DOWN_MS = FULL ? 30_000 : 20_000;
/** How long creates go on after the node is back, before the next kill. */
const AFTER_MS = FULL ? 10_000 : 5_000;
/**
 * The longest a kill may leave the platform without a successful create: a
 * new stream leader takes ~5 s, a consumer gone silent is noticed within 4 s
 * (SILENCE_MS) and recreated within a retry, a client retries within 0.5 s.
 * Double that for a loaded 2-core machine; the reported 26 s and the minutes
 * until the dead node came back both fail it.
 */
const MAX_GAP_MS = 15_000;

let cluster: NatsCluster;
let credentialsDir: string;
let platform: SupervisedPlatform;
let nc: NatsConnection;
let clients: CreateClients;

beforeAll(async () => {
  // Secured as everywhere: each node configured from the access table for the run, each service as its role.
  const run = uniqueId('chaos');
  credentialsDir = await mkdtemp(join(tmpdir(), 'pn-cluster-credentials-'));
  const { keys, files } = writeCredentials(credentialsDir);
  const { servers: _, ...admin } = roleConnectOptions([], files.admin);
  cluster = await startNatsCluster({ extraConfig: authorizationConfig(busNames(loadConfig(runStreams(run))), keys), connectOptions: admin });
  await cluster.jetStreamReady();
  platform = await startSupervisedPlatform(cluster.url, { run, credentials: files, overrides: { EVENT_STREAM_REPLICAS: '3' } });
  clients = new CreateClients(platform);
  const account = await clients.request('POST', '/v1/admin/accounts', { body: { name: 'cluster' }, admin: true });
  expect(account.status).toBe(201);
  clients.key = account.body.api_key;
  nc = await connect({ ...admin, servers: cluster.url.split(','), maxReconnectAttempts: -1 });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await platform?.stop();
  await cluster?.dispose();
  if (credentialsDir) await rm(credentialsDir, { recursive: true, force: true });
});

const ask = (net: string, name: string) => queryDns({ host: '127.0.0.1', port: platform.dnsPort, name, networkId: net, transport: 'udp', type: 'A', timeoutMs: 2000 });
/** A view still catching up after a node's return answers SERVFAIL (never an old address): asked again for up to 10 s. */
async function resolve(net: string, name: string) {
  let answer = await ask(net, name);
  for (const until = Date.now() + 10_000; rcodeOf(answer) === 'SERVFAIL' && Date.now() < until; answer = await ask(net, name)) await new Promise((r) => setTimeout(r, 200));
  return answer;
}

/** The node most of a service's named connections are on (its bus client, consumers, idempotency store). */
async function nodeOf(service: string): Promise<string> {
  const nodes = [...(await cluster.connectionsOf(service))].sort((a, b) => b[1] - a[1]);
  if (nodes.length === 0) throw new Error(`no connection of ${service} found on any node`);
  return nodes[0]![0];
}

/**
 * The node holding the consumer of `stream` filtered on `filter` (an ordered
 * consumer: one replica) that is in use, i.e. has a pull waiting: a consumer
 * replaced while its node was down reappears with that node, unused, until it
 * expires. The newest such one.
 */
async function consumerNode(stream: string, filter: string): Promise<string> {
  const jsm = await jetstreamManager(nc);
  // Between two pulls a consumer has none waiting for a moment: asked again for up to 10 s.
  for (const until = Date.now() + 10_000; ; ) {
    let newest: { created: number; node: string } | undefined;
    for await (const c of jsm.consumers.list(stream)) {
      const filters = [c.config.filter_subject, ...(c.config.filter_subjects ?? [])];
      const created = Date.parse(c.created);
      if (!filters.includes(filter) || !c.cluster?.leader || c.num_waiting === 0) continue;
      if (!newest || created > newest.created) newest = { created, node: c.cluster.leader };
    }
    if (newest) return newest.node;
    if (Date.now() > until) throw new Error(`no consumer of ${stream} on ${filter} with a pull waiting`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function leaderOf(stream: string): Promise<string> {
  for (let tries = 0; tries < 100; tries++) {
    const leader = await cluster.streamLeader(stream);
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${stream} has no leader`);
}

/**
 * Creates a VM (index ≡ 0 mod 4) and waits for its name to resolve to its
 * address, until `deadline` at most: when it resolved (Infinity if not by then).
 */
async function probeCreate(index: number, deadline: number): Promise<{ outcome: Outcome; resolvedAfterMs: number }> {
  const outcome = await clients.create(index, () => Date.now() > deadline);
  let net: string | undefined;
  while (outcome.id && Date.now() < deadline) {
    net ??= (await clients.request('GET', '/v1/hosting/network/topology').catch(() => undefined))?.body?.network_id;
    const vm = net ? await clients.request('GET', `/v1/hosting/vms/${outcome.id}`).catch(() => undefined) : undefined;
    const ip = vm?.status === 200 ? vm.body.private_ip : null;
    const answer = ip ? await resolve(net!, outcome.name).catch(() => undefined) : undefined;
    if (answer && addressesOf(answer)[0] === ip) return { outcome, resolvedAfterMs: Date.now() };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { outcome, resolvedAfterMs: Infinity };
}

/** Waits for /readyz to answer 200; how long since `since` that took. */
async function readyWithin(ms: number, since: number): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const status = await fetch(`${platform.url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - since;
    if (Date.now() > end) throw new Error(`not ready within ${ms} ms after the restart`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe(`NATS cluster (${FULL ? 'full' : 'short'}: ${CLIENTS} clients, nodes down ${DOWN_MS / 1000} s)`, () => {
  it(`rides through killed nodes${FULL ? ' and a restart while the cluster elects' : ''}, losing and doubling no create`, async () => {
    const events = platform.env.EVENT_STREAM!;
    let over = false;
    let giveUp = false;
    let next = 0;
    const outcomes: Outcome[] = [];
    const workers = Array.from({ length: CLIENTS }, async () => {
      while (!over) {
        outcomes.push(await clients.create(next++, () => giveUp));
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    });

    // Kills: right after boot the stream leader's node, then the gateway's, then the DNS consumer's (and in full, more).
    const zones = `${platform.env.EVENT_SUBJECT_PREFIX}.zone.>`;
    const targets: Array<readonly [string, () => Promise<string>]> = [
      ['event stream leader (right after boot)', () => leaderOf(events)],
      ['gateway node', () => nodeOf('gateway')],
      ['DNS zone consumer node', () => consumerNode(events, zones)],
      ...(FULL ? ([['resources node', () => nodeOf('resources')], ['idempotency bucket leader', () => leaderOf('KV_idempotency')]] as const) : []),
    ];
    const measured: Array<{ what: string; node: string; longestGapMs: number; resolvedAfterMs: number; counts: Map<string, number>; messages: Map<string, number> }> = [];
    await new Promise((r) => setTimeout(r, 1000));
    for (const [index, [what, find]] of targets.entries()) {
      const node = await find();
      const leaders = await Promise.all([events, 'KV_idempotency', `OBJ_${events}_SNAPSHOTS_resources`].map((st) => cluster.streamLeader(st)));
      process.stdout.write(`cluster: killing ${node} (${what}); leaders of events, idempotency, resources' snapshots: ${leaders.join(', ')}\n`);
      const killedAt = Date.now();
      await cluster.stop(node, 'SIGKILL');
      // A VM created now must resolve while the node is still down: its address and name go through read models.
      const probe = probeCreate(1_000_000 + index * 4, killedAt + DOWN_MS);
      await new Promise((r) => setTimeout(r, DOWN_MS));
      const { outcome, resolvedAfterMs } = await probe;
      outcomes.push(outcome);
      if (!Number.isFinite(resolvedAfterMs)) {
        const seen = clients.attempts.filter((a) => a.idempotencyKey === `create-${1_000_000 + index * 4}`).map((a) => `${a.at - killedAt}:${a.status}:${a.message ?? ''}`);
        process.stdout.write(`cluster: the probe after killing ${node} did not resolve: ${JSON.stringify(outcome)} ${seen.join(' | ')}\n`);
      }
      await cluster.start(node);
      await new Promise((r) => setTimeout(r, AFTER_MS));
      measured.push({ what, node, resolvedAfterMs: resolvedAfterMs - killedAt, ...window(clients.attempts, killedAt, Date.now()) });
    }
    over = true;
    const stopWaiting = setTimeout(() => (giveUp = true), 90_000);
    await Promise.all(workers);
    clearTimeout(stopWaiting);

    for (const m of measured) {
      process.stdout.write(
        `cluster: ${m.what} (${m.node}) killed -9 for ${DOWN_MS / 1000} s: longest without a successful create ${m.longestGapMs} ms; ` +
          `a VM created after the kill resolved ${Number.isFinite(m.resolvedAfterMs) ? `${m.resolvedAfterMs} ms after it` : 'only once the node was back'}; ` +
          `answers: ${[...m.counts].map(([s, n]) => `${s}×${n}`).join(', ')}; errors: ${[...m.messages].map(([s, n]) => `${n}× ${s}`).join(' | ')}\n`,
      );
    }
    process.stdout.write(`cluster: ${outcomes.length} creates, ${clients.attempts.length} attempts\n`);
    // Every client got its resource (none gave up, none refused, nobody saw a 500).
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => o.statuses.includes(500))).toEqual([]);
    expect(measured.filter((m) => m.longestGapMs > MAX_GAP_MS).map((m) => `${m.what}: ${m.longestGapMs} ms`)).toEqual([]);
    expect(measured.filter((m) => !Number.isFinite(m.resolvedAfterMs)).map((m) => m.what)).toEqual([]);

    // Every stream and bucket, and the durable consumer, is kept by all three nodes.
    const jsm = await jetstreamManager(nc);
    const replicas = new Map<string, number>();
    for await (const s of jsm.streams.list()) replicas.set(s.config.name, s.config.num_replicas);
    expect([...replicas.keys()]).toEqual(
      expect.arrayContaining([events, platform.env.INTEGRATION_STREAM, platform.env.FLOWS_STREAM, 'KV_idempotency', ...['gateway', 'resources', 'ipam', 'dns', 'billing'].map((s) => `OBJ_${events}_SNAPSHOTS_${s}`)]),
    );
    expect([...replicas].filter(([, n]) => n !== 3)).toEqual([]);
    const meter = await jsm.consumers.info(platform.env.FLOWS_STREAM!, 'billing-meter');
    expect(meter.cluster?.replicas?.length).toBe(2); // two followers beside the leader

    const all = await clients.settled();
    const net = (await clients.readAnswer('/v1/hosting/network/topology')).body.network_id;
    const ready = await expectEveryCreateAccountedFor(outcomes, all, async (name) => addressesOf(await resolve(net, name)));

    // A whole-system restart with the services started while the cluster is still electing:
    // they wait for JetStream (none exits), and every resource, address and answer is kept.
    // Only in the full run: in about one run in ten a service once never became ready after it
    // (the cause not yet proven; see docs/bus.md), and `npm test` must not hang on a coin toss.
    if (!FULL) return;
    await platform.stop();
    for (const node of cluster.nodes) await cluster.stop(node.name, 'SIGTERM');
    const reportsBefore = platform.reports.length;
    const restartedAt = Date.now();
    await Promise.all(cluster.nodes.map((node) => cluster.start(node.name)));
    await platform.start();
    const healthyAfter = Date.now() - restartedAt;
    // Ready too (every read model caught up), as a load balancer would wait for.
    const readyAfter = await readyWithin(60_000, restartedAt);
    process.stdout.write(`cluster: whole-system restart healthy in ${healthyAfter} ms, ready in ${readyAfter} ms\n`);
    expect(platform.reports.slice(reportsBefore)).toEqual([]);
    await expectKeptAcrossRestart(clients, all, ready, (name) => resolve(net, name));
  }, (FULL ? 12 : 4) * 60_000);
});
