// Stored answers are sealed (AES-256-GCM): the answer to an account creation
// holds the account's API key, and DESIGN.md has API keys stored "hashed,
// never in clear". The key is derived from a secret only the gateways hold
// (IDEMPOTENCY_SECRET), the caller and the Idempotency-Key (itself stored
// only as a hash): whoever reads the KV bucket, knowing every account id and
// guessing every key a client might send, still cannot open an answer.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const sealingKey = (serverSecret: string, caller: string, idempotencyKey: string): Buffer =>
  createHmac('sha256', serverSecret).update(`pn-idempotency\0${caller}\0${idempotencyKey}`).digest();

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
