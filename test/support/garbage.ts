// Garbage to publish on the bus, as anyone allowed to publish there could,
// and what the platform's health report says it parked.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface Published {
  readonly subject: string;
  readonly seq: number;
  readonly kind: string;
}

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v));
const commit = (stream: string, v: unknown = 1) => ({ v, stream, prev: 0, first: 0, events: [{ id: 'e', type: 'Forged', data: '', metadata: {} }] });
/** Over every consumer's sane size, under nats-server's default max_payload (1 MiB). */
const OVERSIZE = 1_000_000;
const padded = (value: Record<string, unknown>) => {
  const start = JSON.stringify({ ...value, pad: '' });
  return json({ ...value, pad: 'x'.repeat(OVERSIZE - start.length) });
};

/** Every kind of garbage, for a subject whose commits would belong to stream `streamId`. */
export function garbageKinds(streamId: string): Array<[kind: string, bytes: Uint8Array]> {
  const other = `${streamId.split('-')[0]}-someone_else`;
  return [
    ['plain text', text('not-a-commit')],
    ['JSON that is not a commit', json({ hello: 'world' })],
    ['a commit of version 2', json(commit(streamId, 2))],
    ['an oversize message', padded(commit(streamId))],
    ['binary bytes', Uint8Array.from([0xff, 0xfe, 0x00, 0x9c, 0x80, 0x01, 0xc3])],
    ['a commit of another stream', json(commit(other))],
  ];
}

/** What each kind is parked as on an event-store subject. */
export const COMMIT_REASONS: Record<string, string> = {
  'plain text': 'not_json',
  'JSON that is not a commit': 'wrong_shape',
  'a commit of version 2': 'unknown_version',
  'an oversize message': 'oversize',
  'binary bytes': 'binary',
  'a commit of another stream': 'stream_mismatch',
};

/** Publishes to JetStream, returning each message's stream sequence. */
export async function publishGarbage(nc: NatsConnection, subject: string, kinds: Array<[string, Uint8Array]>): Promise<Published[]> {
  const js = jetstream(nc);
  const published: Published[] = [];
  for (const [kind, bytes] of kinds) published.push({ subject, kind, seq: (await js.publish(subject, bytes)).seq });
  return published;
}

/** Publishes on core NATS (no stream, no sequence). */
export async function sendGarbage(nc: NatsConnection, subject: string, kinds: Array<[string, Uint8Array]>): Promise<Published[]> {
  for (const [, bytes] of kinds) nc.publish(subject, bytes);
  await nc.flush();
  return kinds.map(([kind]) => ({ subject, kind, seq: 0 }));
}

export interface GarbageReport {
  total: number;
  counts: Array<{ consumer: string; reason: string; count: number }>;
  recent: Array<{ consumer: string; subject: string; stream: string; seq: number; reason: string }>;
}

/** Each service's garbage, from the gateway's /healthz. */
export async function garbageByService(url: string): Promise<Record<string, GarbageReport>> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as { details: Record<string, { garbage: GarbageReport }> };
  return Object.fromEntries(Object.entries(body.details).map(([service, d]) => [service, d.garbage]));
}

/** A report's counts as `consumer reason` → count, for exact comparison. */
export const countsOf = (report: GarbageReport) => Object.fromEntries(report.counts.map((c) => [`${c.consumer} ${c.reason}`, c.count]));
