// `npm run bus:credentials -- <dir> [<host id> ...]`: credentials for an
// operator's NATS. Writes one credentials file per role (<dir>/<role>.json,
// mode 600: give each service only its own, as NATS_CREDENTIALS), one per
// host for its agent (<dir>/host-agent.<host>.json; this machine's hostname
// when no host is named), and <dir>/auth.conf, the
// `authorization` block of the server's configuration (public keys and
// permissions only; infra/nats/*.conf include it). Existing credentials in
// <dir> are kept, so running it again after a change of the access table
// only rewrites auth.conf. Stream names and prefixes come from the
// environment (EVENT_STREAM, …), as the services read them.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureProjectNode, log, run } from './lib/run.mjs';

ensureProjectNode();
const [dir, ...hostIds] = process.argv.slice(2);
if (!dir) {
  console.error('usage: npm run bus:credentials -- <dir> [<host id> ...]');
  process.exit(2);
}
run('npx', ['nx', 'run', '@pn/service-kit:build', '--outputStyle=static'], { stdio: ['ignore', 'ignore', 'inherit'] });
const { ROLES, authorizationConfig, machineHostId, publicKeysOf, writeCredentials, writeHostCredentials } = await import('@pn/bus-access');
const { busNames, loadConfig } = await import('@pn/service-kit');
const target = resolve(dir);
const missing = ROLES.filter((role) => role !== 'host-agent' && !existsSync(join(target, `${role}.json`)));
if (missing.length) writeCredentials(target, missing);
const newHosts = (hostIds.length ? hostIds : [machineHostId()]).filter((host) => !existsSync(join(target, `host-agent.${host}.json`)));
for (const host of newHosts) writeHostCredentials(target, host);
writeFileSync(join(target, 'auth.conf'), authorizationConfig(busNames(loadConfig(process.env)), publicKeysOf(target)), { mode: 0o644 });
const made = [...missing, ...newHosts.map((host) => `the agent of host ${host}`)];
log(`${made.length ? `new credentials for ${made.join(', ')}; ` : ''}auth.conf written in ${target}`);
