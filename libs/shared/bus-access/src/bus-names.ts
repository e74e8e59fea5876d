// The names on the bus that access is granted on: streams, subject prefixes
// and buckets. Configurable (tests and benchmarks give each run its own), so
// the access table is a function of them rather than a list of literals.
export interface BusNames {
  /** The event store: stream and subject prefix (`<prefix>.<category>.<id>`). */
  readonly eventStream: string;
  readonly eventSubjectPrefix: string;
  /** Integration facts published by resources (`<prefix>.v1.<fact>.<network>`). */
  readonly integrationStream: string;
  readonly integrationSubjectPrefix: string;
  /** Flow records from the data plane (`<prefix>` and `<prefix>.>`). */
  readonly flowsStream: string;
  readonly flowsSubjectPrefix: string;
  /** Object store buckets of snapshots and checkpoints: this name, then `_<service>` (see serviceSnapshotBucket). */
  readonly snapshotBucket: string;
  /** KV bucket of idempotency keys (stream KV_<bucket>). */
  readonly idempotencyBucket: string;
  /** KV bucket of the data plane: desired state, attachments, host heartbeats (stream KV_<bucket>). */
  readonly dataplaneBucket: string;
  /** Subjects of the dns fleet (heartbeats, caught-up), `<base>.>`. */
  readonly dnsFleetSubject: string;
}

export const IDEMPOTENCY_BUCKET = 'idempotency';

/**
 * A service's own bucket of snapshots and checkpoints (stream OBJ_<bucket>).
 * One per service, not one for all: a checkpoint is loaded as the truth of a
 * read model, so a service that could write another's could forge it — a
 * gateway key index holding a key nobody created, an ipam network with a
 * held address marked free.
 */
export const serviceSnapshotBucket = (base: string, service: string) => `${base}_${service}`;

/** Per event stream: runs (tests, benchmarks) sharing one NATS never wait for each other's dns fleet. */
export const dnsFleetSubject = (eventStream: string) => `dns.fleet.${eventStream.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * Per event stream, like the dns fleet: each run (tests, benchmarks) has its own hosts and desired state.
 * `2`: keys name their host since (proto/pn/dataplane/v1); a `dataplane-` bucket of before is not read.
 */
export const dataplaneBucket = (eventStream: string) => `dataplane2-${eventStream.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * Where the integration publisher says how far it has published (plain NATS,
 * outside the integration stream: a beat a few times a second, kept nowhere).
 */
export const integrationWatermarkSubject = (integrationSubjectPrefix: string) => `${integrationSubjectPrefix}-watermark`;

/**
 * The event category a service's read models park events in
 * (`parked_<service>-<projection>`): one per service, so each appends only
 * to its own and none can forge or flood another's parked records.
 */
export const parkedCategory = (service: string) => `parked_${service.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;

/** A host's id: it is a token of subjects and keys (`status.<host>.…`), so nothing that could widen one. */
const HOST_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const isHostId = (value: string): boolean => HOST_ID.test(value);

/** Where one host's agent publishes its flow records: the only flows subject its user may publish on. */
export const flowsHostSubject = (flowsSubjectPrefix: string, host: string) => `${flowsSubjectPrefix}.host.${host}`;

/** The host a flows subject names (flowsHostSubject), if it is one. */
export function publisherHostOf(flowsSubjectPrefix: string, subject: string): string | undefined {
  const prefix = `${flowsSubjectPrefix}.host.`;
  if (!subject.startsWith(prefix)) return undefined;
  const host = subject.slice(prefix.length);
  return isHostId(host) ? host : undefined;
}
