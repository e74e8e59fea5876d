// Stored answers are sealed (AES-256-GCM) with a key derived from the
// Idempotency-Key itself, which is stored only as a hash, and from the
// caller's secret: the answer to an account creation holds the account's API
// key, and DESIGN.md has API keys stored "hashed, never in clear". What the
// KV bucket holds tells nothing without the key the client sent.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const sealingKey = (idempotencyKey: string, callerSecret: string): Buffer =>
  createHmac('sha256', callerSecret).update(`pn-idempotency\0${idempotencyKey}`).digest();

export function seal(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The plain text, or undefined when the key does not open it. */
export function unseal(sealed: string, key: Buffer): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
