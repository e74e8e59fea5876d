// `npm run vm -- exec <resource id> -- <command>`: runs a command inside a
// resource's namespace, the development runtime's stand-in for its micro-VM
// (as `fly ssh console -C` would); `npm run vm -- internet -- <command>`
// inside the development internet's namespace (host 198.51.100.10). Needs
// root, like the host agent that made them.
import { spawnSync } from 'node:child_process';
import { ensureProjectNode } from './lib/run.mjs';

ensureProjectNode();
const usage = `usage:
  npm run vm -- exec <resource id> -- <command> [args…]
  npm run vm -- internet -- <command> [args…]`;
const args = process.argv.slice(2);
const dash = args.indexOf('--');
const [what, id] = args.slice(0, dash < 0 ? args.length : dash);
const command = dash < 0 ? [] : args.slice(dash + 1);
const { namesFor } = await import('@pn/dataplane-linux');
const names = namesFor(process.env.DATAPLANE_PREFIX || 'pn');

let namespace;
if (what === 'exec' && id && /^[A-Za-z0-9_-]{1,64}$/.test(id)) namespace = names.resource(id);
else if (what === 'internet' && (dash === 1 || id === undefined)) namespace = names.internet;
if (!namespace || command.length === 0) {
  console.error(usage);
  process.exit(2);
}
const exists = spawnSync('ip', ['netns', 'pids', namespace], { stdio: 'ignore' }).status === 0;
if (!exists) {
  console.error(`no namespace ${namespace}: ${what === 'exec' ? `is ${id} a resource of a running host agent (npm start as root)?` : 'is a host agent running (npm start as root)?'}`);
  process.exit(1);
}
const result = spawnSync('ip', ['netns', 'exec', namespace, ...command], { stdio: 'inherit' });
process.exit(result.status ?? 1);
