// The rules of who may do what on the bus, read off the permissions the
// server is given (not off the table's own fields), so a grant that slips
// into a wrong row fails here.
import { describe, expect, it } from '@jest/globals';
import { accessTable, hostAgentGrants, ROLES, type Role } from './access-table.js';
import { dataplaneBucket, dnsFleetSubject, IDEMPOTENCY_BUCKET, serviceSnapshotBucket, type BusNames } from './bus-names.js';
import { natsPermissions } from './permissions.js';
import { allowedBy } from './subject-match.js';

const names: BusNames = {
  eventStream: 'EVENTS',
  eventSubjectPrefix: 'es',
  integrationStream: 'INTEGRATION',
  integrationSubjectPrefix: 'pn.integration',
  flowsStream: 'FLOWS',
  flowsSubjectPrefix: 'telemetry.flows',
  snapshotBucket: 'EVENTS_SNAPSHOTS',
  idempotencyBucket: IDEMPOTENCY_BUCKET,
  dataplaneBucket: dataplaneBucket('EVENTS'),
  dnsFleetSubject: dnsFleetSubject('EVENTS'),
};
const table = accessTable(names);
/** A host agent's are host h1's (each host is its own user). */
const permissions = (role: Role, host = 'h1') => (role === 'host-agent' ? natsPermissions(role, hostAgentGrants(names, host), host) : natsPermissions(role, table[role]));
const mayPublish = (subject: string) => ROLES.filter((r) => r !== 'admin' && allowedBy(permissions(r).publish, subject));
const maySubscribe = (subject: string) => ROLES.filter((r) => r !== 'admin' && allowedBy(permissions(r).subscribe, subject));

describe('the bus access table', () => {
  it('lets only the gateway call resources and billing', () => {
    expect(mayPublish('resources.resource.create')).toEqual(['gateway']);
    expect(mayPublish('resources.resource.delete')).toEqual(['gateway']);
    expect(mayPublish('billing.usage.get')).toEqual(['gateway']);
  });

  it('lets only resources call ipam and register or remove dns records', () => {
    expect(mayPublish('ipam.address.release')).toEqual(['resources']);
    expect(mayPublish('ipam.public.allocate')).toEqual(['resources']);
    expect(mayPublish('dns.records.register')).toEqual(['resources']);
  });

  it("leaves the public pool's ranges to the operator (admin): no service may add or remove one", () => {
    expect(mayPublish('ipam.public.ranges.add')).toEqual([]);
    expect(mayPublish('ipam.public.ranges.remove')).toEqual([]);
  });

  it('lets only the service answer its own subjects', () => {
    expect(maySubscribe('resources.resource.create')).toEqual(['resources']);
    expect(maySubscribe('ipam.address.allocate')).toEqual(['ipam']);
    expect(maySubscribe('dns.records.register')).toEqual(['dns']);
    expect(maySubscribe('billing.invoice.get')).toEqual(['billing']);
  });

  it('keeps the dns fleet subjects to dns instances', () => {
    expect(mayPublish(`${names.dnsFleetSubject}.heartbeat`)).toEqual(['dns']);
    expect(maySubscribe(`${names.dnsFleetSubject}.heartbeat`)).toEqual(['dns']);
  });

  it("lets each service append only to its own parked events (none forges or floods another's)", () => {
    expect(mayPublish('es.parked_gateway.api-keys_v3')).toEqual(['gateway']);
    expect(mayPublish('es.parked_resources.directory_v1')).toEqual(['resources']);
    expect(mayPublish('es.parked_billing.usage_v1')).toEqual(['billing']);
    expect(mayPublish('es.parked.gateway_api-keys_v3')).toEqual([]);
  });

  it('lets only the owner of a category append to it', () => {
    expect(mayPublish('es.account.acc_1')).toEqual(['gateway']);
    expect(mayPublish('es.resource.vm_1')).toEqual(['resources']);
    expect(mayPublish('es.network.net_1')).toEqual(['ipam']);
    expect(mayPublish('es.zone.net_1')).toEqual(['dns']);
    expect(mayPublish('es.meter.p1')).toEqual(['billing']);
    expect(mayPublish('pn.integration.v1.address_held.net_1')).toEqual(['resources']);
  });

  it("gives a host's agent flow records to publish and its own host's keys to follow and write, and nothing else", () => {
    const agent = permissions('host-agent', 'h1');
    const b = names.dataplaneBucket;
    // Flow records on its own host's subject only (billing believes them only for networks placed there).
    expect(allowedBy(agent.publish, 'telemetry.flows.host.h1')).toBe(true);
    for (const subject of ['telemetry.flows', 'telemetry.flows.vpc-v2', 'telemetry.flows.host.h2']) expect([subject, allowedBy(agent.publish, subject)]).toEqual([subject, false]);
    // Its own host: follow (a consumer filtered to its keys), get, report, beat.
    for (const subject of [`$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.desired.h1.>`, `$JS.API.DIRECT.GET.KV_${b}.$KV.${b}.desired.h1.vm_1`, `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.status.h1.>`, `$KV.${b}.status.h1.vm_1`, `$KV.${b}.host.h1`]) {
      expect([subject, allowedBy(agent.publish, subject)]).toEqual([subject, true]);
    }
    // Another host's keys, the whole bucket (unfiltered, by sequence, by pull), what hosts must make, and everything else.
    for (const subject of [
      `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.desired.h2.>`,
      `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.desired.>`,
      `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.placed.>`,
      `$JS.API.CONSUMER.CREATE.KV_${b}.c1`,
      `$JS.API.CONSUMER.CREATE.KV_${b}`,
      `$JS.API.CONSUMER.MSG.NEXT.KV_${b}.c1`,
      `$JS.API.CONSUMER.DELETE.KV_${b}.c1`,
      `$JS.API.STREAM.MSG.GET.KV_${b}`,
      `$JS.API.STREAM.INFO.KV_${b}`,
      `$JS.API.DIRECT.GET.KV_${b}`,
      `$JS.API.DIRECT.GET.KV_${b}.$KV.${b}.desired.h2.vm_1`,
      `$KV.${b}.status.h2.vm_1`,
      `$KV.${b}.host.h2`,
      `$KV.${b}.desired.h1.vm_1`,
      `$KV.${b}.placed.net_1`,
      'es.account.acc_1', 'resources.resource.create', 'dns.records.register', '$JS.API.STREAM.INFO.EVENTS', '$KV.idempotency.k', '$JS.API.CONSUMER.CREATE.KV_idempotency', '$JS.API.STREAM.CREATE.FLOWS', 'pn.integration.v1.address_held.n', '$JS.API.CONSUMER.CREATE.INTEGRATION', '$JS.API.CONSUMER.MSG.NEXT.INTEGRATION.c1', '$JS.API.STREAM.MSG.GET.INTEGRATION',
    ]) {
      expect([subject, allowedBy(agent.publish, subject)]).toEqual([subject, false]);
    }
    expect(agent.subscribe).toEqual(['_INBOX.host-agent.h1.>']);
    expect(allowedBy(agent.subscribe, '_INBOX.host-agent.h2.x')).toBe(false);
    expect(agent.allowResponses).toBe(false);
  });

  it('lets billing read where networks are placed, and nothing else of the dataplane bucket', () => {
    const billing = permissions('billing');
    const b = names.dataplaneBucket;
    expect(allowedBy(billing.publish, `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.placed.>`)).toBe(true);
    expect(allowedBy(billing.publish, `$JS.API.CONSUMER.CREATE.KV_${b}.c1.$KV.${b}.desired.>`)).toBe(false);
    expect(allowedBy(billing.publish, `$KV.${b}.placed.net_1`)).toBe(false);
  });

  it('lets only resources place networks and write what hosts must make', () => {
    expect(mayPublish(`$KV.${names.dataplaneBucket}.placed.net_1`)).toEqual(['resources']);
    expect(mayPublish(`$KV.${names.dataplaneBucket}.desired.h1.vm_1`)).toEqual(['resources']);
    expect(mayPublish(`$KV.${names.dataplaneBucket}.status.h1.vm_1`)).toEqual(['host-agent']);
  });

  it('keeps each role to its own reply inbox', () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const others = ROLES.filter((r) => r !== role && r !== 'admin');
      for (const other of others) expect([role, other, allowedBy(permissions(role).subscribe, `_INBOX.${other}.x`)]).toEqual([role, other, false]);
    }
  });

  it('lets nobody but admin delete or purge the event stream, or delete its messages', () => {
    for (const subject of ['$JS.API.STREAM.DELETE.EVENTS', '$JS.API.STREAM.PURGE.EVENTS', '$JS.API.STREAM.MSG.DELETE.EVENTS', '$JS.API.STREAM.DELETE.KV_idempotency']) {
      expect([subject, mayPublish(subject)]).toEqual([subject, []]);
    }
  });

  it("keeps each service's snapshots and checkpoints to that service (none can read or forge another's)", () => {
    for (const service of ['gateway', 'resources', 'ipam', 'dns', 'billing'] as const) {
      const bucket = serviceSnapshotBucket(names.snapshotBucket, service);
      expect([service, mayPublish(`$O.${bucket}.C.chunk`)]).toEqual([service, [service]]);
      expect([service, mayPublish(`$JS.API.CONSUMER.CREATE.OBJ_${bucket}`)]).toEqual([service, [service]]);
      expect([service, mayPublish(`$JS.API.STREAM.PURGE.OBJ_${bucket}`)]).toEqual([service, [service]]);
    }
  });

  it('keeps the idempotency bucket to the gateway', () => {
    expect(mayPublish('$KV.idempotency.k')).toEqual(['gateway']);
    expect(mayPublish('$JS.API.DIRECT.GET.KV_idempotency.$KV.idempotency.k')).toEqual(['gateway']);
    expect(mayPublish('$JS.API.CONSUMER.CREATE.KV_idempotency')).toEqual(['gateway']);
  });
});
