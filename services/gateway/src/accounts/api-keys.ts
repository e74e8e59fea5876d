// API keys: 256 random bits, shown once. Only their SHA-256 is kept; a
// random key needs no slow hash, and the digest is what lookups go by.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newApiKey = (): string => `pk_${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
