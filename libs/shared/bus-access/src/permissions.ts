// The access table in NATS's terms: subjects a role may publish to and
// subscribe to. JetStream is an API on subjects (`$JS.API.…`), so access to
// a stream is the set of API subjects naming it; nothing here names a
// stream the table does not give the role, so a role can neither read nor
// change another's stream, bucket or consumer.
import { inboxPrefix, type Grants, type Role, type StreamAccess } from './access-table.js';

export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer requests it received (on their reply subject, once). */
  readonly allowResponses: boolean;
}

const API = '$JS.API';

/** The JetStream API subjects that reading a stream, or owning it, takes (nats.js 3 against nats-server 2.9+). */
export function streamApiSubjects(stream: string, access: StreamAccess): string[] {
  const read = [
    `${API}.INFO`,
    `${API}.STREAM.INFO.${stream}`,
    `${API}.STREAM.MSG.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}.>`,
    `${API}.CONSUMER.CREATE.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `${API}.CONSUMER.INFO.${stream}.>`,
    `${API}.CONSUMER.DELETE.${stream}.>`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
  if (access === 'read') return read;
  return [...read, `${API}.STREAM.CREATE.${stream}`, `${API}.STREAM.UPDATE.${stream}`, `${API}.STREAM.NAMES`];
}

/**
 * The API subjects that following and getting some keys of a bucket takes,
 * and no more: consumers only with one of those keys as their filter (the
 * server refuses a create whose subject's filter is not its config's), direct
 * gets only of those keys; never a message get by sequence, an unfiltered
 * consumer, a consumer's deletion (another reader's watch), nor the stream's
 * info (asked with a subjects filter, it lists every key).
 */
export function keyReadSubjects(bucket: string, keys: readonly string[]): string[] {
  const stream = `KV_${bucket}`;
  return [
    `${API}.CONSUMER.INFO.${stream}.*`,
    `$JS.FC.${stream}.>`,
    ...keys.flatMap((key) => [`${API}.CONSUMER.CREATE.${stream}.*.$KV.${bucket}.${key}`, `${API}.DIRECT.GET.${stream}.$KV.${bucket}.${key}`]),
  ];
}

/** A role's permissions; a host agent's (`host` set) reply inbox is its host's alone. */
export function natsPermissions(role: Role, grants: Grants, host?: string): NatsPermissions {
  const streams = Object.entries(grants.streams).flatMap(([stream, access]) => streamApiSubjects(stream, access));
  const keys = Object.entries(grants.keys ?? {}).flatMap(([bucket, filters]) => keyReadSubjects(bucket, filters));
  const purges = grants.purge.map((stream) => `${API}.STREAM.PURGE.${stream}`);
  return {
    publish: unique([...grants.call, ...grants.publish, ...streams, ...keys, ...purges]),
    subscribe: unique([...grants.serve, ...grants.subscribe, `${inboxPrefix(role, host)}.>`]),
    allowResponses: grants.serve.length > 0,
  };
}

const unique = (subjects: string[]) => [...new Set(subjects)];
