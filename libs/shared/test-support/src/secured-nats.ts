// NATS as the platform runs on it: every role with its own nkey credential
// and exactly the permissions of the bus access table. Platform suites run
// on it, so a grant the table lacks fails a suite, and the access matrix
// attacks it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizationConfig, inboxPrefix, LOCAL_HOST, publicKeysOf, readCredentials, writeCredentials, writeHostCredentials, type BusNames, type Role } from '@pn/bus-access';
import { nkeyAuthenticator } from '@nats-io/transport-node';
import { startNats, type StartedNats } from './nats.js';
import { startRestartableNats, type RestartableNats } from './restartable-nats.js';

export interface SecuredNats extends StartedNats {
  /** Each role's credentials file (mode 600), as a service is given it in NATS_CREDENTIALS; the host agent's is host `local`'s. */
  readonly credentials: Readonly<Record<Role, string>>;
  /** Host agents' credentials by host: `local`, and `other` (a second host, for suites that attack across hosts). */
  readonly hosts: Readonly<Record<string, string>>;
}

/** The second host every secured NATS knows. */
export const OTHER_HOST = 'other';

/** Options of a connection that authenticates as `role` with the credentials file. */
export function roleConnectOptions(servers: string[], file: string) {
  const { role, host, seed } = readCredentials(file);
  return { servers, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), inboxPrefix: inboxPrefix(role, host) };
}

/** Credentials for every role (and two hosts) in a temp directory, and the server configuration that knows them. */
async function securedSetup(names: BusNames) {
  const dir = await mkdtemp(join(tmpdir(), 'pn-nats-credentials-'));
  const { files } = writeCredentials(dir);
  const hosts = { [LOCAL_HOST]: files['host-agent'], [OTHER_HOST]: writeHostCredentials(dir, OTHER_HOST) };
  return { dir, files, hosts, config: authorizationConfig(names, publicKeysOf(dir)) };
}

export async function startSecuredNats(names: BusNames): Promise<SecuredNats> {
  const { dir, files, hosts, config } = await securedSetup(names);
  const nats = await startNats({ config });
  return {
    ...nats,
    note: `${nats.note}, with credentials and permissions per role`,
    credentials: files,
    hosts,
    connectOptions: (role = 'admin') => roleConnectOptions([nats.url], files[role as Role]),
    stop: async () => {
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SecuredRestartableNats extends RestartableNats {
  readonly credentials: Readonly<Record<Role, string>>;
  readonly hosts: Readonly<Record<string, string>>;
  connectOptions(role?: Role): ReturnType<typeof roleConnectOptions>;
}

/** The same, as a local nats-server a suite can stop and start again (outages, chaos). */
export async function startSecuredRestartableNats(names: BusNames): Promise<SecuredRestartableNats> {
  const { dir, files, hosts, config } = await securedSetup(names);
  const nats = await startRestartableNats({ config });
  return {
    url: nats.url,
    storeDir: nats.storeDir,
    start: () => nats.start(),
    stop: (signal) => nats.stop(signal),
    credentials: files,
    hosts,
    connectOptions: (role = 'admin') => roleConnectOptions([nats.url], files[role]),
    dispose: async () => {
      await nats.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
