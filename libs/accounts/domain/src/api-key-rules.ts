// The rules about an account's API keys that are not about events: what a
// key may do, what it may be called, and which key an account may not lose.
import { DomainError } from '@pn/decider';

export type ApiKeyScopeName = 'read' | 'write';
export const API_KEY_SCOPES: readonly ApiKeyScopeName[] = ['read', 'write'];

/** A key as the account knows it (never the key itself). */
export interface ApiKeyInfo {
  readonly keyId: string;
  readonly name: string;
  readonly scope: ApiKeyScopeName;
  readonly keyHash: string;
  readonly last4: string;
  readonly createdAt: Date;
}

/** Methods that change nothing; a read key may call only these. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a key of `scope` may make a request with `method`. A read key may
 * change nothing: every POST, PUT, PATCH and DELETE (and any method we do
 * not know) needs a write key, wherever it is sent. `readOnly` marks the rare
 * POST that only asks a question.
 */
export function scopeAllows(scope: ApiKeyScopeName, method: string, readOnly = false): boolean {
  return scope === 'write' || readOnly || READ_METHODS.has(method.toUpperCase());
}

/** A key's name: what a person calls it, 1 to 100 characters once trimmed, no control characters. */
export function keyNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) return 'name must be 1 to 100 characters';
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'name must not contain control characters';
  return undefined;
}

/**
 * An account must keep a write key: without one it could never make, change
 * or delete anything again (nor add a key), and only the platform admin could
 * help. So the last live write key cannot be revoked (409
 * `last_write_key`); make another write key first, then revoke this one.
 */
export function checkRevocable(keys: ReadonlyMap<string, ApiKeyInfo>, keyId: string): void {
  const key = keys.get(keyId);
  if (!key) throw new DomainError('not_found', `API key ${keyId} not found`, { field: 'id' });
  if (key.scope !== 'write') return;
  const otherWriteKeys = [...keys.values()].filter((k) => k.scope === 'write' && k.keyId !== keyId).length;
  if (otherWriteKeys === 0) {
    throw new DomainError('last_write_key', `API key ${keyId} is the account's last write key: create another write key before revoking it`, { field: 'id' });
  }
}
