// The data plane's key-value bucket (proto/pn/dataplane/v1): resources writes
// the placements and the desired state, each host's agent its attachments and
// heartbeat. Every key an agent touches names its host, so its NATS user can
// be given its host's keys and no other's. Every value read from it is
// hostile until decoded here: a key of the wrong shape or a value that is not
// the message its key promises (or names another resource or host than its
// key) is garbage, parked by the reader and never acted on.
import { createHash } from 'node:crypto';
import { fromJsonString, toJson, toJsonString, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Kvm, type KV, type KvEntry, type KvWatchEntry } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  HostHeartbeatSchema,
  NetworkPlacementSchema,
  ResourceAttachmentSchema,
  ResourceDesiredSchema,
  type HostHeartbeat,
  type NetworkPlacement,
  type ResourceAttachment,
  type ResourceDesired,
} from '@pn/contracts';
import { ensureReplicas } from '@pn/event-store';
import { busNames } from './bus-names.js';
import type { PlatformConfig } from './config.js';

/** Ids in keys: a resource's (`vm_…`), a network's, a host's (letters, digits, `-`, `_`). Anything else cannot be a key we write. */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
export const isKeyToken = (value: string): boolean => TOKEN.test(value);

export const dataplaneKeys = {
  placed: (networkId: string) => `placed.${networkId}`,
  desired: (hostId: string, resourceId: string) => `desired.${hostId}.${resourceId}`,
  status: (hostId: string, resourceId: string) => `status.${hostId}.${resourceId}`,
  host: (hostId: string) => `host.${hostId}`,
  /** What one host's agent follows: its desired state, and its own reports. */
  desiredOf: (hostId: string) => `desired.${hostId}.>`,
  statusOf: (hostId: string) => `status.${hostId}.>`,
};

export type DataplaneEntry =
  | { readonly type: 'placed'; readonly networkId: string; readonly value: NetworkPlacement | undefined }
  | { readonly type: 'desired'; readonly hostId: string; readonly resourceId: string; readonly value: ResourceDesired | undefined }
  | { readonly type: 'status'; readonly hostId: string; readonly resourceId: string; readonly value: ResourceAttachment | undefined }
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

/** How many ids each kind of key holds after its type. */
const ARITY: Readonly<Record<string, number>> = { placed: 1, desired: 2, status: 2, host: 1 };

/** An entry as what its key says it is; a deletion carries no value. */
export function readDataplaneEntry(entry: KvEntry): DataplaneEntry {
  const [type = '', ...ids] = entry.key.split('.');
  const garbage = (reason: string): DataplaneEntry => ({ type: 'garbage', key: entry.key, reason });
  if (ARITY[type] !== ids.length || !ids.every(isKeyToken)) return garbage('unknown key');
  const deleted = entry.operation !== 'PUT';
  // The value must name what its key names: a value copied under another key is not believed.
  const read = <D extends DescMessage>(schema: D, names: Partial<Record<keyof MessageShape<D>, string>>): { value?: MessageShape<D> } | { garbage: string } => {
    if (deleted) return { value: undefined };
    const value = decode(schema, entry);
    if (typeof value === 'string') return { garbage: value };
    for (const [field, id] of Object.entries(names) as Array<[keyof MessageShape<D>, string]>) {
      if (value[field] !== id) return { garbage: `key names ${id}, value ${String(value[field])}` };
    }
    return { value };
  };
  const [first = '', second = ''] = ids;
  switch (type) {
    case 'placed': {
      const r = read(NetworkPlacementSchema, { networkId: first });
      return 'garbage' in r ? garbage(r.garbage) : { type, networkId: first, value: r.value };
    }
    case 'desired': {
      const r = read(ResourceDesiredSchema, { resourceId: second });
      return 'garbage' in r ? garbage(r.garbage) : { type, hostId: first, resourceId: second, value: r.value };
    }
    case 'status': {
      const r = read(ResourceAttachmentSchema, { hostId: first, resourceId: second });
      return 'garbage' in r ? garbage(r.garbage) : { type, hostId: first, resourceId: second, value: r.value };
    }
    default: {
      const r = read(HostHeartbeatSchema, { hostId: first });
      return 'garbage' in r ? garbage(r.garbage) : { type: 'host', hostId: first, value: r.value };
    }
  }
}

/** What a record asks of a host, as a short digest: its fields but the revision (equal records, equal digests). */
export function desiredDigest(record: ResourceDesired): string {
  const { revision: _, ...asked } = toJson(ResourceDesiredSchema, record) as Record<string, unknown>;
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url').slice(0, 22);
}

export const encodeDesired = (value: ResourceDesired) => toJsonString(ResourceDesiredSchema, value);
export const encodeAttachment = (value: ResourceAttachment) => toJsonString(ResourceAttachmentSchema, value);
export const encodeHeartbeat = (value: HostHeartbeat) => toJsonString(HostHeartbeatSchema, value);
export const encodePlacement = (value: NetworkPlacement) => toJsonString(NetworkPlacementSchema, value);

/** The bucket, made if missing (resources owns it) with as many copies as the event stream. */
export async function createDataplaneBucket(nc: NatsConnection, config: PlatformConfig): Promise<KV> {
  const name = busNames(config).dataplaneBucket;
  const kv = await new Kvm(nc).create(name, { history: 1, replicas: config.eventStreamReplicas });
  await ensureReplicas(await jetstreamManager(nc), `KV_${name}`, config.eventStreamReplicas);
  return kv;
}

/**
 * The bucket as a host agent finds it (it may not make it): read by direct
 * gets of its own keys (`$JS.API.DIRECT.GET.<stream>.<key>`, which its
 * permissions can name key by key), never by sequence, which would reach any.
 */
export async function openDataplaneBucket(nc: NatsConnection, config: PlatformConfig): Promise<KV> {
  return new Kvm(nc).open(busNames(config).dataplaneBucket, { allow_direct: true });
}

/**
 * Follows the keys under `filter`: every value there now, then every change,
 * each handed to `apply` in order. Resolves, with the watch (to stop it),
 * once the values there at the start have all been applied; `stopped` hears
 * of a watch that ends in an error after that.
 */
export async function followKeys(kv: KV, filter: string, apply: (entry: KvWatchEntry) => void, stopped: (error: unknown) => void): Promise<{ stop(): void }> {
  let empty = true;
  for await (const _ of await kv.keys(filter)) empty = false;
  const watch = await kv.watch({ key: filter });
  await new Promise<void>((loaded, failed) => {
    let done = false;
    const initial = () => {
      done = true;
      loaded();
    };
    if (empty) initial();
    void (async () => {
      for await (const entry of watch) {
        apply(entry);
        if (!done && (entry.isUpdate || entry.delta === 0)) initial();
      }
    })().catch((error: unknown) => (done ? stopped(error) : failed(error)));
  });
  return watch;
}
