// API keys: 256 random bits, shown once. Only their SHA-256 is kept. A slow
// password hash (bcrypt, argon2) exists to make guessing a low-entropy secret
// expensive; a 256-bit random key cannot be guessed however fast the hash,
// so SHA-256 is enough, and lets a key be found by its digest in one lookup.
// Finding it by digest is not a comparison of secrets (the digest of a wrong
// key finds nothing); comparisons of secrets themselves (the admin token) go
// through timingSafeEqual.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newApiKey = (): string => `pk_${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** What a key is shown as after its creation: its last 4 characters (24 of its 256 bits). */
export const lastFour = (key: string): string => key.slice(-4);

/** Constant-time comparison of two secrets of any length (digests first, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
