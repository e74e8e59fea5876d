// What the dns instances say to each other (see dns-fleet.ts), and what a
// message on their subjects must be to count as one of those. Anyone allowed
// to publish there can send anything: what is not a heartbeat, a caught-up
// request or reply is garbage, parked by the fleet and never acted on. (A
// well-formed forgery is not garbage: who may publish here is for the NATS
// permissions to say.)
import { garbage, isObject, screenJson, type Screened } from '@pn/event-store';

export interface Heartbeat {
  readonly id: string;
  readonly leaving?: boolean;
}
export interface CaughtUpRequest {
  readonly streamId: string;
  readonly revision: number;
}
export interface CaughtUpReply {
  readonly id: string;
  readonly applied: boolean;
}

/** The messages are a few dozen bytes. */
export const MAX_FLEET_MESSAGE_BYTES = 4096;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const STREAM_ID = /^[a-z][a-z0-9_]*-[A-Za-z0-9_-]{1,200}$/;

function object(bytes: Uint8Array): Screened<Record<string, unknown>> {
  const screened = screenJson(bytes, MAX_FLEET_MESSAGE_BYTES);
  if (!screened.ok) return screened;
  return isObject(screened.value) ? { ok: true, value: screened.value } : garbage('wrong_shape', 'not a JSON object');
}

export function readHeartbeat(bytes: Uint8Array): Screened<Heartbeat> {
  const m = object(bytes);
  if (!m.ok) return m;
  const { id, leaving } = m.value;
  if (typeof id !== 'string' || !ID.test(id)) return garbage('wrong_shape', 'a heartbeat needs an instance id');
  if (leaving !== undefined && typeof leaving !== 'boolean') return garbage('wrong_shape', 'leaving must be true or false');
  return { ok: true, value: leaving === true ? { id, leaving } : { id } };
}

export function readCaughtUpRequest(bytes: Uint8Array): Screened<CaughtUpRequest> {
  const m = object(bytes);
  if (!m.ok) return m;
  const { streamId, revision } = m.value;
  if (typeof streamId !== 'string' || !STREAM_ID.test(streamId)) return garbage('wrong_shape', 'a caught-up request needs a stream id');
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return garbage('wrong_shape', 'a caught-up request needs a revision');
  return { ok: true, value: { streamId, revision } };
}

export function readCaughtUpReply(bytes: Uint8Array): Screened<CaughtUpReply> {
  const m = object(bytes);
  if (!m.ok) return m;
  const { id, applied } = m.value;
  if (typeof id !== 'string' || !ID.test(id) || typeof applied !== 'boolean') return garbage('wrong_shape', 'a caught-up reply needs an instance id and applied');
  return { ok: true, value: { id, applied } };
}
