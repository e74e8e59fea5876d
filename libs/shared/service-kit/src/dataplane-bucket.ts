// The data plane's key-value bucket (proto/pn/dataplane/v1): resources writes
// the desired state, host agents write attachments and heartbeats. Every value
// read from it is hostile until decoded here: a key of the wrong shape or a
// value that is not the message its key promises is garbage, parked by the
// reader and never acted on.
import { createHash } from 'node:crypto';
import { fromJsonString, toJson, toJsonString, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { HostHeartbeatSchema, ResourceAttachmentSchema, ResourceDesiredSchema, type HostHeartbeat, type ResourceAttachment, type ResourceDesired } from '@pn/contracts';
import { ensureReplicas } from '@pn/event-store';
import { busNames } from './bus-names.js';
import type { PlatformConfig } from './config.js';

/** Ids in keys: a resource's (`vm_…`), a host's (letters, digits, `-`, `_`). Anything else cannot be a key we write. */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
export const isKeyToken = (value: string): boolean => TOKEN.test(value);

export const dataplaneKeys = {
  desired: (resourceId: string) => `desired.${resourceId}`,
  status: (resourceId: string) => `status.${resourceId}`,
  host: (hostId: string) => `host.${hostId}`,
};

export type DataplaneEntry =
  | { readonly type: 'desired'; readonly resourceId: string; readonly value: ResourceDesired | undefined }
  | { readonly type: 'status'; readonly resourceId: string; readonly value: ResourceAttachment | undefined }
  | { readonly type: 'host'; readonly hostId: string; readonly value: HostHeartbeat | undefined }
  | { readonly type: 'garbage'; readonly key: string; readonly reason: string };

const MAX_VALUE_BYTES = 16 * 1024;

function decode<D extends DescMessage>(schema: D, entry: KvEntry): MessageShape<D> | string {
  if (entry.length > MAX_VALUE_BYTES) return 'oversize';
  try {
    return fromJsonString(schema, entry.string());
  } catch (error) {
    return `wrong_shape: ${String(error).slice(0, 200)}`;
  }
}

/** An entry as what its key says it is; a deletion carries no value. */
export function readDataplaneEntry(entry: KvEntry): DataplaneEntry {
  const [type, id, ...rest] = entry.key.split('.');
  if (id === undefined || rest.length > 0 || !isKeyToken(id)) return { type: 'garbage', key: entry.key, reason: 'unknown key' };
  const deleted = entry.operation !== 'PUT';
  const as = <D extends DescMessage>(schema: D, idField: keyof MessageShape<D>) => {
    if (deleted) return { value: undefined };
    const value = decode(schema, entry);
    if (typeof value === 'string') return { garbage: value };
    // The key and the value must name the same thing: a value copied under another key is not believed.
    return value[idField] === id ? { value } : { garbage: `key names ${id}, value ${String(value[idField])}` };
  };
  if (type === 'desired') {
    const r = as(ResourceDesiredSchema, 'resourceId');
    return 'garbage' in r ? { type: 'garbage', key: entry.key, reason: r.garbage! } : { type, resourceId: id, value: r.value };
  }
  if (type === 'status') {
    const r = as(ResourceAttachmentSchema, 'resourceId');
    return 'garbage' in r ? { type: 'garbage', key: entry.key, reason: r.garbage! } : { type, resourceId: id, value: r.value };
  }
  if (type === 'host') {
    const r = as(HostHeartbeatSchema, 'hostId');
    return 'garbage' in r ? { type: 'garbage', key: entry.key, reason: r.garbage! } : { type, hostId: id, value: r.value };
  }
  return { type: 'garbage', key: entry.key, reason: 'unknown key' };
}

/** What a record asks of a host, as a short digest: its fields but the revision (equal records, equal digests). */
export function desiredDigest(record: ResourceDesired): string {
  const { revision: _, ...asked } = toJson(ResourceDesiredSchema, record) as Record<string, unknown>;
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url').slice(0, 22);
}

export const encodeDesired = (value: ResourceDesired) => toJsonString(ResourceDesiredSchema, value);
export const encodeAttachment = (value: ResourceAttachment) => toJsonString(ResourceAttachmentSchema, value);
export const encodeHeartbeat = (value: HostHeartbeat) => toJsonString(HostHeartbeatSchema, value);

/** The bucket, made if missing (resources owns it) with as many copies as the event stream. */
export async function createDataplaneBucket(nc: NatsConnection, config: PlatformConfig): Promise<KV> {
  const name = busNames(config).dataplaneBucket;
  const kv = await new Kvm(nc).create(name, { history: 1, replicas: config.eventStreamReplicas });
  await ensureReplicas(await jetstreamManager(nc), `KV_${name}`, config.eventStreamReplicas);
  return kv;
}

/** The bucket as a reader finds it (host agents may not make it): throws while resources has not made it yet. */
export async function openDataplaneBucket(nc: NatsConnection, config: PlatformConfig): Promise<KV> {
  return new Kvm(nc).open(busNames(config).dataplaneBucket);
}
