// A role's credential: a file holding the role and its nkey seed, readable by
// its owner only; a host agent's names its host too (each host is its own
// user). Services are given the file's path (NATS_CREDENTIALS), never the
// secret itself on a command line or in the environment.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { ROLES, type Role } from './access-table.js';
import { isHostId } from './bus-names.js';
import type { RoleKeys } from './server-config.js';

/** The host the test suites give their one agent. */
export const LOCAL_HOST = 'local';

/** This machine's host id: its hostname, as a token. */
export const machineHostId = (): string => hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || LOCAL_HOST;

export interface Credentials {
  readonly role: Role;
  /** The host agent's host (set for role host-agent only). */
  readonly host?: string;
  /** The nkey seed (`SU…`): the secret. */
  readonly seed: string;
  /** The file it came from, for messages. */
  readonly file: string;
  /** Set when the file can be read by others than its owner. */
  readonly exposed: boolean;
}

export class CredentialsError extends Error {}

export function readCredentials(file: string): Credentials {
  let wire: { role?: unknown; host?: unknown; seed?: unknown };
  try {
    wire = JSON.parse(readFileSync(file, 'utf8')) as typeof wire;
  } catch (error) {
    throw new CredentialsError(`NATS_CREDENTIALS: cannot read ${file} as a credentials file (${(error as Error).message})`);
  }
  const role = wire.role as Role;
  if (!ROLES.includes(role)) throw new CredentialsError(`NATS_CREDENTIALS: ${file} names no known role (${ROLES.join(', ')})`);
  const host = role === 'host-agent' ? wire.host : undefined;
  if (role === 'host-agent' && (typeof host !== 'string' || !isHostId(host))) throw new CredentialsError(`NATS_CREDENTIALS: ${file} is a host agent's but names no valid host`);
  if (typeof wire.seed !== 'string' || !wire.seed.startsWith('SU')) throw new CredentialsError(`NATS_CREDENTIALS: ${file} holds no user nkey seed`);
  try {
    fromSeed(new TextEncoder().encode(wire.seed));
  } catch {
    throw new CredentialsError(`NATS_CREDENTIALS: ${file} holds a seed that is not valid`);
  }
  return { role, ...(host === undefined ? {} : { host: host as string }), seed: wire.seed, file, exposed: (statSync(file).mode & 0o077) !== 0 };
}

/** Writes a new user's credentials file (its body and seed, mode 600) and returns its public key. */
function writeUserFile(file: string, body: object): string {
  const user = createUser();
  writeFileSync(file, JSON.stringify({ ...body, seed: new TextDecoder().decode(user.getSeed()) }) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return user.getPublicKey();
}

function checkHostId(host: string): void {
  if (!isHostId(host)) throw new CredentialsError(`a host id is 1 to 64 letters, digits, "-" or "_", got "${host}"`);
}

function ownerOnlyDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Makes a new key pair per role and writes each role's file (`<dir>/<role>.json`,
 * mode 600); the host agent's is for `host`. Returns the public keys.
 */
export function writeCredentials(dir: string, roles: readonly Role[] = ROLES, host: string = LOCAL_HOST): { keys: RoleKeys; files: Record<Role, string> } {
  checkHostId(host);
  ownerOnlyDir(dir);
  const files = {} as Record<Role, string>;
  const keys: { roles: Record<string, string>; hosts: Record<string, string> } = { roles: {}, hosts: {} };
  for (const role of roles) {
    const file = join(dir, `${role}.json`);
    if (role === 'host-agent') keys.hosts[host] = writeUserFile(file, { role, host });
    else keys.roles[role] = writeUserFile(file, { role });
    files[role] = file;
  }
  return { keys, files };
}

/** Another host's agent credential (`<dir>/host-agent.<host>.json`): a host joining. Returns the file. */
export function writeHostCredentials(dir: string, host: string): string {
  checkHostId(host);
  ownerOnlyDir(dir);
  const file = join(dir, `host-agent.${host}.json`);
  writeUserFile(file, { role: 'host-agent', host });
  return file;
}

/** The public keys of every credentials file in `dir` (`*.json`): the users a server's configuration lists. */
export function publicKeysOf(dir: string): RoleKeys {
  const keys: { roles: Record<string, string>; hosts: Record<string, string> } = { roles: {}, hosts: {} };
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const { role, host, seed } = readCredentials(join(dir, name));
    const key = fromSeed(new TextEncoder().encode(seed)).getPublicKey();
    if (host !== undefined) {
      if (keys.hosts[host] !== undefined) throw new CredentialsError(`two credentials files in ${dir} are for host ${host}`);
      keys.hosts[host] = key;
    } else keys.roles[role] = key;
  }
  return keys;
}
