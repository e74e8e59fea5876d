// Who may do what on the bus: one row per role, in the platform's own terms
// (requests served and made, event categories appended, streams and buckets
// used). The NATS server's permissions are generated from this table
// (permissions.ts), the README's table is printed from it, and the access
// matrix suite attacks every cell it does not grant. A role that needs
// something new gets it here, in one place, where a reviewer sees it.
import { flowsHostSubject, integrationWatermarkSubject, parkedCategory, serviceSnapshotBucket, type BusNames } from './bus-names.js';

export const ROLES = ['gateway', 'resources', 'ipam', 'dns', 'billing', 'host-agent', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do with a JetStream stream (see permissions.ts for the API subjects each means). */
export type StreamAccess = 'read' | 'own';

export interface Grants {
  /** Request subjects it answers (subscribe; the answer goes back on the request's reply subject only). */
  readonly serve: readonly string[];
  /** Request subjects it may call. */
  readonly call: readonly string[];
  /** Plain subjects it may publish to: event-store appends, flow records, fleet messages. */
  readonly publish: readonly string[];
  /** Plain subjects it may subscribe to (besides its own reply inbox). */
  readonly subscribe: readonly string[];
  /** JetStream streams (buckets are streams too: KV_<name>, OBJ_<name>), and how. */
  readonly streams: Readonly<Record<string, StreamAccess>>;
  /** May purge these streams (an object store replaces a snapshot by purging its old chunks). */
  readonly purge: readonly string[];
  /**
   * Key-value buckets it reads only in part, bucket → the keys it may follow
   * and get (`desired.h1.>`): never the whole stream, which `streams` gives.
   */
  readonly keys?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Every role's reply inbox is its own, and each host agent's its own, so no
 * role (and no host) can read another's answers.
 */
export const inboxPrefix = (role: Role, host?: string) => (host === undefined ? `_INBOX.${role}` : `_INBOX.${role}.${host}`);

/** How the README names the host in a host agent's grants: each host has its own user, with its own id there. */
export const ANY_HOST = '<host>';

/** The row of `accessTable` for one host's agent (its user in the server's configuration). */
export const hostAgentGrants = (n: BusNames, host: string): Grants => accessTable(n, host)['host-agent'];

export function accessTable(n: BusNames, host: string = ANY_HOST): Record<Role, Grants> {
  // The categories a service owns, and its own parked events (those of its read models).
  const append = (service: Role, ...categories: string[]) => [...categories, parkedCategory(service)].map((c) => `${n.eventSubjectPrefix}.${c}.*`);
  const events = { [n.eventStream]: 'own' } as const;
  // Each service its own snapshots: the bucket's stream (read, make, purge old chunks) and its object subjects.
  const snapshotStream = (service: Role) => `OBJ_${serviceSnapshotBucket(n.snapshotBucket, service)}`;
  const snapshots = (service: Role) => ({ [snapshotStream(service)]: 'own' }) as const;
  const snapshotWrites = (service: Role) => [`$O.${serviceSnapshotBucket(n.snapshotBucket, service)}.>`];
  const flows = [n.flowsSubjectPrefix, `${n.flowsSubjectPrefix}.>`];
  const health = (service: string) => `${service}.health`;
  const dataplane = { [`KV_${n.dataplaneBucket}`]: 'own' } as const;
  const dataplaneKeys = (...prefixes: string[]) => prefixes.map((p) => `$KV.${n.dataplaneBucket}.${p}.>`);
  return {
    gateway: {
      serve: [health('gateway')],
      call: ['resources.>', 'billing.>', 'dns.resolve', ...['resources', 'ipam', 'dns', 'billing'].map(health)],
      publish: [...append('gateway', 'account'), ...snapshotWrites('gateway'), `$KV.${n.idempotencyBucket}.>`],
      subscribe: [],
      streams: { ...events, ...snapshots('gateway'), [`KV_${n.idempotencyBucket}`]: 'own' },
      purge: [snapshotStream('gateway')],
    },
    resources: {
      serve: ['resources.>'],
      // Addresses only: the public pool's ranges are the operator's to change (admin).
      call: ['ipam.address.>', 'ipam.public.allocate', 'ipam.public.release', 'dns.records.>'],
      // The desired state of the data plane is its to write; what agents report it only reads.
      // Facts on the integration stream, and how far it has published them (its watermark, for billing).
      publish: [...append('resources', 'resource', 'project', 'domain'), ...snapshotWrites('resources'), `${n.integrationSubjectPrefix}.>`, integrationWatermarkSubject(n.integrationSubjectPrefix), ...dataplaneKeys('desired', 'placed')],
      subscribe: [],
      streams: { ...events, ...snapshots('resources'), [n.integrationStream]: 'own', ...dataplane },
      purge: [snapshotStream('resources')],
    },
    ipam: {
      serve: ['ipam.>'],
      call: [],
      publish: [...append('ipam', 'network', 'publicpool'), ...snapshotWrites('ipam')],
      subscribe: [],
      streams: { ...events, ...snapshots('ipam') },
      purge: [snapshotStream('ipam')],
    },
    dns: {
      serve: ['dns.records.>', 'dns.resolve', health('dns')],
      call: [],
      publish: [...append('dns', 'zone'), ...snapshotWrites('dns'), `${n.dnsFleetSubject}.>`],
      subscribe: [`${n.dnsFleetSubject}.>`],
      streams: { ...events, ...snapshots('dns') },
      purge: [snapshotStream('dns')],
    },
    billing: {
      serve: ['billing.>'],
      call: [],
      publish: [...append('billing', 'meter'), ...snapshotWrites('billing')],
      // The integration publisher's watermark: how far its ownership facts are complete.
      subscribe: [integrationWatermarkSubject(n.integrationSubjectPrefix)],
      // It may create the integration stream (whichever of it and resources starts first does) but never publish on it.
      streams: { ...events, ...snapshots('billing'), [n.flowsStream]: 'own', [n.integrationStream]: 'own' },
      purge: [snapshotStream('billing')],
      // Where each network is placed: a host's flow records count only for its own networks.
      keys: { [n.dataplaneBucket]: ['placed.>'] },
    },
    // On every host, so the credential most likely to be stolen: one user
    // per host, which may read its own host's desired state (and its own
    // reports), report attachments there, beat its heartbeat and publish flow
    // records on its own host's subject (billing believes them only for
    // networks placed there), nothing else — never another host's keys, the
    // desired state itself, the placements, nor the integration facts.
    'host-agent': {
      serve: [],
      call: [],
      publish: [flowsHostSubject(n.flowsSubjectPrefix, host), `$KV.${n.dataplaneBucket}.status.${host}.>`, `$KV.${n.dataplaneBucket}.host.${host}`],
      subscribe: [],
      streams: {},
      purge: [],
      keys: { [n.dataplaneBucket]: [`desired.${host}.>`, `status.${host}.>`] },
    },
    // Operator tools that act as a data plane would (`npm run flows`).
    operator: { serve: [], call: [], publish: flows, subscribe: [], streams: {}, purge: [] },
    // Everything: test suites and benchmarks that seed or inspect streams,
    // and an operator repairing one. Its credential stays with the operator.
    admin: { serve: ['>'], call: ['>'], publish: ['>'], subscribe: ['>'], streams: {}, purge: [] },
  };
}
