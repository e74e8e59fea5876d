/** JetStream's "wrong last sequence" (10071, 10164 for a KV create): someone else wrote the key first. */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

export function isWrongLastSequence(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && WRONG_LAST_SEQUENCE.has(code);
}
