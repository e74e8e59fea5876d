// Where `npm start`'s own NATS is and how tools connect to it: its URL is
// kept in .run/nats/url, each role's credentials in .run/nats/credentials/
// (owner-only). A tool given NATS_CREDENTIALS uses that file instead (an
// operator's NATS); with neither it connects without credentials, which only
// a server that enforces none accepts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './run.mjs';

export const RUN_NATS = join(root, '.run', 'nats');
export const credentialsFile = (role) => join(RUN_NATS, 'credentials', `${role}.json`);

/** The URL of the NATS `npm start` runs, if it ran one here. */
export function localNatsUrl() {
  const file = join(RUN_NATS, 'url');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** NATS_URL, else `npm start`'s own NATS, else the conventional local one. */
export const toolNatsUrl = () => process.env.NATS_URL || localNatsUrl() || 'nats://127.0.0.1:4222';

/** Connection options of a tool acting as `role` (needs the workspace built: @pn/bus-access). */
export async function toolConnectOptions(natsUrl, role, name) {
  const file = process.env.NATS_CREDENTIALS || (natsUrl === localNatsUrl() && existsSync(credentialsFile(role)) ? credentialsFile(role) : undefined);
  const options = { servers: natsUrl.split(','), name };
  if (!file) return options;
  const [{ readCredentials, inboxPrefix }, { nkeyAuthenticator }] = await Promise.all([import('@pn/bus-access'), import('@nats-io/transport-node')]);
  const credentials = readCredentials(file);
  return { ...options, authenticator: nkeyAuthenticator(new TextEncoder().encode(credentials.seed)), inboxPrefix: inboxPrefix(credentials.role, credentials.host) };
}
