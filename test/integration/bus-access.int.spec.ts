// The bus, attacked: a NATS configured from the access table, probed with
// plain NATS clients. No credentials: refused at the door. Each role: every
// subject the table names for any role is tried (publish as a request, so
// the server's verdict comes back; subscribe), and the server must refuse
// exactly what the role's permissions do not allow and let through what they
// do — the generated matrix. Then the attacks of the bus issue, one by one,
// each beside its positive control.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { accessTable, allowedBy, exampleSubject, flowsHostSubject, hostAgentGrants, LOCAL_HOST, natsPermissions, ROLES, serviceSnapshotBucket, type Role } from '@pn/bus-access';
import { busNames, loadConfig } from '@pn/service-kit';
import { OTHER_HOST, roleConnectOptions, startSecuredNats, uniqueId, type SecuredNats } from '@pn/test-support';
import { runEnvironment } from '../support/service-env.js';

const names = busNames(loadConfig(runEnvironment(uniqueId('run'))));
const table = accessTable(names);
let nats: SecuredNats;
const connections = new Map<Role, NatsConnection>();
const as = async (role: Role) => {
  let nc = connections.get(role);
  if (!nc) {
    nc = await connect({ ...nats.connectOptions(role), maxReconnectAttempts: 0 });
    connections.set(role, nc);
  }
  return nc;
};

/** A host agent's connection: `as('host-agent')` is host `local`'s. */
const hostConnections = new Map<string, NatsConnection>();
const asHost = async (host: string) => {
  let nc = hostConnections.get(host);
  if (!nc) {
    nc = await connect({ ...roleConnectOptions([nats.url], nats.hosts[host]!), maxReconnectAttempts: 0 });
    hostConnections.set(host, nc);
  }
  return nc;
};

/** What a principal may do: a role's row, a host agent's its host's. */
const permissionsOf = (role: Role, host = LOCAL_HOST) => (role === 'host-agent' ? natsPermissions(role, hostAgentGrants(names, host), host) : natsPermissions(role, table[role]));

beforeAll(async () => {
  nats = await startSecuredNats(names);
  console.log(`bus-access suite: ${nats.note}`);
  // The streams exist, as on a running platform, so JetStream calls meet real ones.
  const jsm = await jetstreamManager(await as('admin'));
  await jsm.streams.add({ name: names.eventStream, subjects: [`${names.eventSubjectPrefix}.>`] });
  await jsm.streams.add({ name: names.integrationStream, subjects: [`${names.integrationSubjectPrefix}.>`] });
  await jsm.streams.add({ name: names.flowsStream, subjects: [names.flowsSubjectPrefix, `${names.flowsSubjectPrefix}.>`] });
  await new Kvm(await as('admin')).create(names.dataplaneBucket, { history: 1 });
}, 60_000);

afterAll(async () => {
  for (const nc of [...connections.values(), ...hostConnections.values()]) await nc.close();
  await nats?.stop();
});

type Verdict = 'allowed' | 'refused';

/** Publishes as a request: a refusal comes back as a permissions violation; anything else (an answer, no responders, a timeout) went through. */
async function publish(nc: NatsConnection, subject: string): Promise<Verdict> {
  try {
    await nc.request(subject, '{}', { timeout: 1000 });
    return 'allowed';
  } catch (error) {
    return /permissions violation/i.test(String((error as Error).message)) ? 'refused' : 'allowed';
  }
}

/** Subscribes to each subject at once; a refusal arrives on its subscription after a round trip. */
async function subscribe(nc: NatsConnection, subjects: string[]): Promise<Array<readonly [string, Verdict]>> {
  const refused = new Set<string>();
  const subs = subjects.map((subject) =>
    nc.subscribe(subject, {
      callback: (error) => {
        if (error && /permissions violation/i.test(String(error.message))) refused.add(subject);
      },
    }),
  );
  await nc.flush();
  await new Promise((r) => setTimeout(r, 300));
  for (const sub of subs) if (!sub.isClosed()) sub.unsubscribe();
  return subjects.map((subject) => [subject, refused.has(subject) ? 'refused' : 'allowed'] as const);
}

// Every subject any role (and either host's agent) is granted, made concrete, plus what nobody but admin should reach.
const everything = [
  ...new Set([
    ...ROLES.filter((r) => r !== 'admin').flatMap((role) => {
      const p = permissionsOf(role);
      return [...p.publish, ...p.subscribe].map(exampleSubject);
    }),
    ...[permissionsOf('host-agent', OTHER_HOST)].flatMap((p) => [...p.publish, ...p.subscribe].map(exampleSubject)),
    `$JS.API.STREAM.DELETE.${names.eventStream}`,
    `$JS.API.STREAM.PURGE.${names.eventStream}`,
    `$JS.API.STREAM.MSG.DELETE.${names.eventStream}`,
    `$JS.API.STREAM.DELETE.KV_${names.idempotencyBucket}`,
    `$JS.API.STREAM.LIST`,
    '_INBOX.x.y',
  ]),
].filter((subject) => !subject.startsWith('$JS.API.STREAM.PURGE.OBJ_') && !subject.startsWith('$JS.API.STREAM.DELETE'));
// Destructive calls are probed only where they must be refused (below), never where they would work.

describe('the bus without credentials', () => {
  it('refuses the connection (and a role with credentials gets in)', async () => {
    await expect(connect({ servers: [nats.url], maxReconnectAttempts: 0 })).rejects.toThrow(/authorization violation/i);
    expect((await as('host-agent')).isClosed()).toBe(false);
  });
});

// The host agent's row is probed as host `local`'s agent, whose grants name `local`; `other`'s subjects are among everything.
describe.each(ROLES.filter((r) => r !== 'admin'))('role %s, against every subject of the table', (role) => {
  const permissions = permissionsOf(role);

  it('publishes exactly where the table allows', async () => {
    const nc = await as(role);
    const verdicts = await Promise.all(everything.map(async (s) => [s, await publish(nc, s)] as const));
    const expected = everything.map((s) => [s, allowedBy(permissions.publish, s) ? 'allowed' : 'refused'] as const);
    expect(verdicts).toEqual(expected);
    expect(verdicts.some(([, v]) => v === 'allowed')).toBe(true);
    expect(verdicts.some(([, v]) => v === 'refused')).toBe(true);
  }, 60_000);

  it('subscribes exactly where the table allows', async () => {
    const verdicts = await subscribe(await as(role), everything);
    expect(verdicts).toEqual(everything.map((s) => [s, allowedBy(permissions.subscribe, s) ? 'allowed' : 'refused'] as const));
    expect(verdicts.some(([, v]) => v === 'allowed')).toBe(true);
  }, 60_000);
});

describe('the attacks of the bus issue, each beside what the rightful role may do', () => {
  const refusedFor = async (roles: Role[], subject: string) => Promise.all(roles.map(async (r) => [r, await publish(await as(r), subject)]));

  it('only the gateway can ask resources to create or delete (a forged create from any other role is refused)', async () => {
    expect(await publish(await as('gateway'), 'resources.resource.create')).toBe('allowed');
    expect(await refusedFor(['resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator'], 'resources.resource.delete')).toEqual(
      ['resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator'].map((r) => [r, 'refused']),
    );
  });

  it('only resources can release an address or point a name (no duplicate IP, no hijacked name)', async () => {
    expect(await publish(await as('resources'), 'ipam.address.release')).toBe('allowed');
    expect(await publish(await as('resources'), 'dns.records.register')).toBe('allowed');
    for (const r of ['gateway', 'ipam', 'dns', 'billing', 'host-agent', 'operator'] as Role[]) {
      expect([r, await publish(await as(r), 'ipam.address.release'), await publish(await as(r), 'dns.records.register')]).toEqual([r, 'refused', 'refused']);
    }
  });

  it('only the gateway appends account events (no forged ApiKeyCreated, no account takeover)', async () => {
    const subject = `${names.eventSubjectPrefix}.account.acc_${uniqueId('x')}`;
    const ack = await jetstream(await as('gateway')).publish(subject, '{}');
    expect(ack.seq).toBeGreaterThan(0);
    for (const r of ['resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator'] as Role[]) {
      expect([r, await publish(await as(r), subject)]).toEqual([r, 'refused']);
    }
  });

  it("each service appends only to its own parked events (no forged or flooded parked records of another's read models)", async () => {
    const subject = `${names.eventSubjectPrefix}.parked_gateway.api-keys_v3`;
    expect(await publish(await as('gateway'), subject)).toBe('allowed');
    for (const r of ['resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator'] as Role[]) {
      expect([r, await publish(await as(r), subject)]).toEqual([r, 'refused']);
    }
  });

  it("a stolen host-agent credential publishes flow records and follows its own host's desired state, and reads nothing else: not another host's, events, integration facts or keys", async () => {
    const agent = await asHost(LOCAL_HOST);
    const bucket = names.dataplaneBucket;
    expect((await jetstream(agent).publish(flowsHostSubject(names.flowsSubjectPrefix, LOCAL_HOST), '[]')).stream).toBe(names.flowsStream);
    // Only on its own host's subject: not as the operator's tools, nor as another host.
    expect(await publish(agent, names.flowsSubjectPrefix)).toBe('refused');
    expect(await publish(agent, flowsHostSubject(names.flowsSubjectPrefix, OTHER_HOST))).toBe('refused');
    const resourcesKv = await new Kvm(await as('resources')).open(bucket);
    const [mine, theirs] = [`vm_${uniqueId('mine')}`, `vm_${uniqueId('theirs')}`];
    await resourcesKv.put(`desired.${LOCAL_HOST}.${mine}`, '{"mine":true}');
    await resourcesKv.put(`desired.${OTHER_HOST}.${theirs}`, '{"theirs":true}');
    // The positive controls: its own host's record, by get, by listing and by watch (as the agent follows it).
    const kv = await new Kvm(agent).open(bucket, { allow_direct: true });
    expect((await kv.get(`desired.${LOCAL_HOST}.${mine}`))?.string()).toBe('{"mine":true}');
    const listed: string[] = [];
    for await (const key of await kv.keys(`desired.${LOCAL_HOST}.>`)) listed.push(key);
    expect(listed).toContain(`desired.${LOCAL_HOST}.${mine}`);
    const watch = await kv.watch({ key: `desired.${LOCAL_HOST}.>` });
    for await (const entry of watch) {
      expect(entry.key).toBe(`desired.${LOCAL_HOST}.${mine}`);
      break;
    }
    watch.stop();
    // The attacks: the other host's record by get, by listing, by watch, and the whole bucket by an unfiltered consumer or by sequence.
    await expect(kv.get(`desired.${OTHER_HOST}.${theirs}`)).rejects.toThrow(/permissions violation/i);
    await expect(kv.keys('desired.>').then(async (keys) => { for await (const _ of keys); })).rejects.toThrow(/permissions violation/i);
    await expect(kv.watch({ key: `desired.${OTHER_HOST}.>` })).rejects.toThrow(/permissions violation/i);
    await expect(jetstream(agent).consumers.get(`KV_${bucket}`).then((c) => c.info())).rejects.toThrow(/permissions violation/i);
    expect(await publish(agent, `$JS.API.STREAM.MSG.GET.KV_${bucket}`)).toBe('refused');
    // Nor every key's name, which the stream's info lists when asked with a subjects filter.
    expect(await publish(agent, `$JS.API.STREAM.INFO.KV_${bucket}`)).toBe('refused');
    expect(await publish(agent, `$JS.API.CONSUMER.CREATE.KV_${bucket}`)).toBe('refused');
    // A consumer asked for on its own key's subject but configured for every host's: the server refuses it, and none is made.
    const lie = JSON.stringify({ stream_name: `KV_${bucket}`, config: { name: 'lie', filter_subject: `$KV.${bucket}.desired.>`, deliver_subject: `_INBOX.host-agent.${LOCAL_HOST}.lie`, ack_policy: 'none' } });
    const answer = await agent.request(`$JS.API.CONSUMER.CREATE.KV_${bucket}.lie.$KV.${bucket}.desired.${LOCAL_HOST}.>`, lie, { timeout: 2000 });
    expect(answer.json<{ error?: { description: string } }>().error?.description).toMatch(/filter/i);
    await expect((await jetstreamManager(await as('admin'))).consumers.info(`KV_${bucket}`, 'lie')).rejects.toThrow(/consumer not found/i);
    // Nor the other host's answers: its reply inbox is its own.
    expect(await subscribe(agent, [`_INBOX.host-agent.${LOCAL_HOST}.x`, `_INBOX.host-agent.${OTHER_HOST}.x`])).toEqual([
      [`_INBOX.host-agent.${LOCAL_HOST}.x`, 'allowed'],
      [`_INBOX.host-agent.${OTHER_HOST}.x`, 'refused'],
    ]);
    // Nor anything beyond the data plane.
    await expect(jetstream(agent).consumers.get(names.eventStream).then((c) => c.info())).rejects.toThrow(/permissions violation/i);
    await expect(jetstream(agent).consumers.get(names.integrationStream).then((c) => c.info())).rejects.toThrow(/permissions violation/i);
    expect((await jetstream(await as('billing')).consumers.get(names.integrationStream).then((c) => c.info())).stream_name).toBe(names.integrationStream);
    expect(await publish(agent, `$JS.API.DIRECT.GET.KV_${names.idempotencyBucket}.$KV.${names.idempotencyBucket}.k`)).toBe('refused');
    expect(await subscribe(agent, [`${names.dnsFleetSubject}.heartbeat`])).toEqual([[`${names.dnsFleetSubject}.heartbeat`, 'refused']]);
  });

  it("only resources writes placements and the desired state; a host's agent writes its own reports and heartbeat, never another host's", async () => {
    const bucket = names.dataplaneBucket;
    const resourceId = `vm_${uniqueId('x')}`;
    // The positive controls: resources places a network and writes a record; each host's agent its report and heartbeat.
    const resourcesKv = await new Kvm(await as('resources')).open(bucket);
    await resourcesKv.put(`placed.net_${resourceId}`, '{}');
    await resourcesKv.put(`desired.${LOCAL_HOST}.${resourceId}`, '{}');
    const local = await new Kvm(await asHost(LOCAL_HOST)).open(bucket, { allow_direct: true });
    await local.put(`status.${LOCAL_HOST}.${resourceId}`, '{}');
    await local.put(`host.${LOCAL_HOST}`, '{}');
    await (await new Kvm(await asHost(OTHER_HOST)).open(bucket, { allow_direct: true })).put(`status.${OTHER_HOST}.${resourceId}`, '{}');
    // The attacks: host local's agent speaking for host other, or writing what a host must make.
    const agent = await asHost(LOCAL_HOST);
    for (const key of [`status.${OTHER_HOST}.${resourceId}`, `host.${OTHER_HOST}`, `desired.${LOCAL_HOST}.${resourceId}`, `placed.net_${resourceId}`]) {
      expect([key, await publish(agent, `$KV.${bucket}.${key}`)]).toEqual([key, 'refused']);
    }
    for (const r of ['gateway', 'ipam', 'dns', 'billing', 'operator'] as Role[]) {
      const nc = await as(r);
      const verdicts = [await publish(nc, `$KV.${bucket}.desired.${LOCAL_HOST}.${resourceId}`), await publish(nc, `$KV.${bucket}.placed.net_${resourceId}`), await publish(nc, `$KV.${bucket}.status.${LOCAL_HOST}.${resourceId}`)];
      expect([r, ...verdicts]).toEqual([r, 'refused', 'refused', 'refused']);
    }
    expect(await publish(await as('resources'), `$KV.${bucket}.status.${LOCAL_HOST}.${resourceId}`)).toBe('refused');
    expect(await publish(agent, `$JS.API.STREAM.PURGE.KV_${bucket}`)).toBe('refused');
    expect(await publish(agent, `$JS.API.CONSUMER.DELETE.KV_${bucket}.any`)).toBe('refused');
  });

  it("a service can neither read nor overwrite another's checkpoints (no forged key index for the gateway to load)", async () => {
    const bucket = serviceSnapshotBucket(names.snapshotBucket, 'gateway');
    // The positive control: the gateway makes its bucket, checkpoints and reads it back.
    const own = await new Objm(await as('gateway')).create(bucket);
    await own.putBlob({ name: 'projection/accounts' }, new TextEncoder().encode('the real index'));
    expect(new TextDecoder().decode((await own.getBlob('projection/accounts'))!)).toBe('the real index');
    // The attack: every other role writes a forged checkpoint under the gateway's bucket, or reads it.
    for (const r of ['resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator'] as Role[]) {
      const nc = await as(r);
      const forged = await new Objm(nc).open(bucket).then((b) => b.putBlob({ name: 'projection/accounts' }, new TextEncoder().encode('forged')).then(() => 'written')).catch((error: Error) => (/permissions violation|timeout/i.test(error.message) ? 'refused' : error.message));
      expect([r, forged, await publish(nc, `$O.${bucket}.C.x`), await publish(nc, `$JS.API.CONSUMER.CREATE.OBJ_${bucket}`)]).toEqual([r, 'refused', 'refused', 'refused']);
    }
    expect(new TextDecoder().decode((await own.getBlob('projection/accounts'))!)).toBe('the real index');
  }, 60_000);

  it('nobody but admin deletes or purges the event stream or the idempotency bucket', async () => {
    for (const r of ROLES.filter((r) => r !== 'admin')) {
      expect([r, await publish(await as(r), `$JS.API.STREAM.DELETE.KV_${names.idempotencyBucket}`), await publish(await as(r), `$JS.API.STREAM.PURGE.${names.eventStream}`)]).toEqual([r, 'refused', 'refused']);
    }
    const info = await (await jetstreamManager(await as('admin'))).streams.info(names.eventStream);
    expect(info.state.messages).toBeGreaterThan(0);
  });

  it('only dns instances beat on the fleet subjects (no fake fleet to make creates wait)', async () => {
    expect(await subscribe(await as('dns'), [`${names.dnsFleetSubject}.heartbeat`])).toEqual([[`${names.dnsFleetSubject}.heartbeat`, 'allowed']]);
    for (const r of ['gateway', 'resources', 'ipam', 'billing', 'host-agent', 'operator'] as Role[]) {
      expect([r, await publish(await as(r), `${names.dnsFleetSubject}.heartbeat`)]).toEqual([r, 'refused']);
    }
  });
});
