// `npm run bus:credentials -- <dir>`: credentials for an operator's NATS.
// Writes one credentials file per role (<dir>/<role>.json, mode 600: give
// each service only its own, as NATS_CREDENTIALS) and <dir>/auth.conf, the
// `authorization` block of the server's configuration (public keys and
// permissions only; infra/nats/*.conf include it). Existing credentials in
// <dir> are kept, so running it again after a change of the access table
// only rewrites auth.conf. Stream names and prefixes come from the
// environment (EVENT_STREAM, …), as the services read them.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureProjectNode, log, run } from './lib/run.mjs';

ensureProjectNode();
const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run bus:credentials -- <dir>');
  process.exit(2);
}
run('npx', ['nx', 'run', '@pn/service-kit:build', '--outputStyle=static'], { stdio: ['ignore', 'ignore', 'inherit'] });
const { ROLES, authorizationConfig, publicKeysOf, writeCredentials } = await import('@pn/bus-access');
const { busNames, loadConfig } = await import('@pn/service-kit');
const target = resolve(dir);
const missing = ROLES.filter((role) => !existsSync(join(target, `${role}.json`)));
if (missing.length) writeCredentials(target, missing);
writeFileSync(join(target, 'auth.conf'), authorizationConfig(busNames(loadConfig(process.env)), publicKeysOf(target)), { mode: 0o644 });
log(`${missing.length ? `new credentials for ${missing.join(', ')}; ` : ''}auth.conf written in ${target}`);
