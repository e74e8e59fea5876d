// A role's credential: a file holding the role and its nkey seed, readable by
// its owner only. Services are given the file's path (NATS_CREDENTIALS),
// never the secret itself on a command line or in the environment.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { ROLES, type Role } from './access-table.js';
import type { RoleKeys } from './server-config.js';

export interface Credentials {
  readonly role: Role;
  /** The nkey seed (`SU…`): the secret. */
  readonly seed: string;
  /** The file it came from, for messages. */
  readonly file: string;
  /** Set when the file can be read by others than its owner. */
  readonly exposed: boolean;
}

export class CredentialsError extends Error {}

export function readCredentials(file: string): Credentials {
  let wire: { role?: unknown; seed?: unknown };
  try {
    wire = JSON.parse(readFileSync(file, 'utf8')) as typeof wire;
  } catch (error) {
    throw new CredentialsError(`NATS_CREDENTIALS: cannot read ${file} as a credentials file (${(error as Error).message})`);
  }
  const role = wire.role as Role;
  if (!ROLES.includes(role)) throw new CredentialsError(`NATS_CREDENTIALS: ${file} names no known role (${ROLES.join(', ')})`);
  if (typeof wire.seed !== 'string' || !wire.seed.startsWith('SU')) throw new CredentialsError(`NATS_CREDENTIALS: ${file} holds no user nkey seed`);
  try {
    fromSeed(new TextEncoder().encode(wire.seed));
  } catch {
    throw new CredentialsError(`NATS_CREDENTIALS: ${file} holds a seed that is not valid`);
  }
  return { role, seed: wire.seed, file, exposed: (statSync(file).mode & 0o077) !== 0 };
}

/** Makes a new key pair per role, writes each role's file (`<dir>/<role>.json`, mode 600) and returns the public keys. */
export function writeCredentials(dir: string, roles: readonly Role[] = ROLES): { keys: RoleKeys; files: Record<Role, string> } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const keys: RoleKeys = {};
  const files = {} as Record<Role, string>;
  for (const role of roles) {
    const user = createUser();
    const file = join(dir, `${role}.json`);
    writeFileSync(file, JSON.stringify({ role, seed: new TextDecoder().decode(user.getSeed()) }) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    keys[role] = user.getPublicKey();
    files[role] = file;
  }
  return { keys, files };
}

/** The public keys of credential files already written (`<dir>/<role>.json`). */
export function publicKeysOf(dir: string, roles: readonly Role[] = ROLES): RoleKeys {
  const keys: RoleKeys = {};
  for (const role of roles) {
    const { seed } = readCredentials(join(dir, `${role}.json`));
    keys[role] = fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  }
  return keys;
}
