// Conversions between the port's events and @eventstore/db-client's.
// Events are stored as binary (application/octet-stream) with the port's
// string metadata as a JSON object, so other EventStoreDB tools can read them.
import type { AllStreamRecordedEvent, EventData as EsdbEventData, RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { createHash, randomUUID } from 'node:crypto';
import type { EventData, RecordedEvent } from '../event-store.port.js';

// EventStoreDB insists on UUID event ids; another id (a ULID, a command id)
// is kept here and the event gets a UUID derived from it, so retrying the
// same append stays idempotent on the server.
const ORIGINAL_ID = 'pn-event-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toEsdbEvent(event: EventData): EsdbEventData {
  const id = event.id ?? randomUUID();
  const metadata: Record<string, string> = { ...event.metadata };
  if (!UUID.test(id)) metadata[ORIGINAL_ID] = id;
  return {
    id: UUID.test(id) ? id : uuidFromName(id),
    contentType: 'application/octet-stream',
    type: event.type,
    data: event.data,
    metadata,
  };
}

/** `position` comes from the caller: reads and subscriptions find it in different places. */
export function fromEsdbEvent(event: EsdbRecordedEvent | AllStreamRecordedEvent, position: bigint): RecordedEvent {
  const metadata = stringMetadata(event.metadata);
  const id = metadata[ORIGINAL_ID] ?? event.id;
  delete metadata[ORIGINAL_ID];
  return {
    streamId: event.streamId,
    id,
    type: event.type,
    data: event.isJson ? new TextEncoder().encode(JSON.stringify(event.data)) : event.data,
    metadata,
    revision: Number(event.revision),
    position,
    recordedAt: event.created,
  };
}

function stringMetadata(raw: unknown): Record<string, string> {
  if (!raw || typeof raw !== 'object' || raw instanceof Uint8Array || Array.isArray(raw)) return {};
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/** A name-based (v5-style, SHA-1) UUID: the same name always gives the same id. */
function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`pn-event-id:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
