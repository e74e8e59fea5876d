// The first look every consumer takes at a message from the bus, before it
// trusts anything in it: small enough, text, JSON. Anyone who may publish on
// a subject can put anything there (a stray `nats pub`, a bug in another
// build, an attacker), so the answer is a verdict, never an exception.

/** Why a message is not what its subject carries. */
export type GarbageReason =
  | 'oversize'
  | 'binary'
  | 'not_json'
  | 'wrong_shape'
  | 'unknown_version'
  | 'stream_mismatch';

export type Screened<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: GarbageReason; readonly detail: string };

export const garbage = (reason: GarbageReason, detail: string): Screened<never> => ({ ok: false, reason, detail: detail.slice(0, 200) });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The message as parsed JSON, or why it is not: over `maxBytes`, not UTF-8 text, not JSON. */
export function screenJson(bytes: Uint8Array, maxBytes: number): Screened<unknown> {
  // Checked before decoding: parsing a huge message is the cost an attacker wants us to pay.
  if (bytes.byteLength > maxBytes) return garbage('oversize', `${bytes.byteLength} bytes, more than ${maxBytes}`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return garbage('binary', 'not UTF-8 text');
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return garbage('not_json', `${(error as Error).message}; starts ${JSON.stringify(text.slice(0, 40))}`);
  }
}

/** A plain JSON object (not an array, not null): what every message on the bus is at its top. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
