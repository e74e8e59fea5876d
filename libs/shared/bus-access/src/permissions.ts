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

export function natsPermissions(role: Role, grants: Grants): NatsPermissions {
  const streams = Object.entries(grants.streams).flatMap(([stream, access]) => streamApiSubjects(stream, access));
  const purges = grants.purge.map((stream) => `${API}.STREAM.PURGE.${stream}`);
  return {
    publish: unique([...grants.call, ...grants.publish, ...streams, ...purges]),
    subscribe: unique([...grants.serve, ...grants.subscribe, `${inboxPrefix(role)}.>`]),
    allowResponses: grants.serve.length > 0,
  };
}

const unique = (subjects: string[]) => [...new Set(subjects)];
