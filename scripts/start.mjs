// `npm start`: the whole system on this machine. Installs what is missing,
// makes sure NATS with JetStream is reachable, builds, runs the five
// services under a supervisor (a service that dies is restarted with
// backoff while the others keep serving), and prints how to use them. Ctrl-C
// stops everything.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNats } from './lib/nats.mjs';
import { ensureProjectNode, log, root, run, sleep, startChild } from './lib/run.mjs';
import { stopOnSignals, Supervisor } from './lib/supervisor.mjs';

const SERVICES = [
  ['ipam', 35],
  ['dns', 33],
  ['billing', 34],
  ['resources', 32],
  ['gateway', 36],
];

const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const gatewayPort = process.env.GATEWAY_PORT || '8080';
const dnsPort = process.env.DNS_PORT || '5353';
const supervisor = new Supervisor();
let nats;

function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  // Generated once and kept, so restarts keep the same token.
  const file = join(root, '.run', 'admin-token');
  mkdirSync(join(root, '.run'), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping every service');
  await supervisor.stop();
  // NATS last, so the services could drain their connections first.
  if (nats && nats.exitCode === null && nats.signalCode === null) {
    const exited = new Promise((resolve) => nats.once('exit', resolve));
    nats.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
  }
  process.exit(code);
}

async function waitForGateway(url) {
  for (let i = 0; i < 150; i++) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`the gateway did not become healthy at ${url}/healthz`);
}

async function main() {
  nats = await ensureNats(natsUrl);
  log('building (nx run-many -t build)');
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);

  const token = adminToken();
  const env = { ...process.env, NATS_URL: natsUrl, GATEWAY_PORT: gatewayPort, DNS_PORT: dnsPort, ADMIN_TOKEN: token };
  for (const [name, colour] of SERVICES) {
    supervisor.add(name, () => startChild(name, process.execPath, [join('services', name, 'dist', 'main.js')], env, colour));
  }
  const url = `http://127.0.0.1:${gatewayPort}`;
  await waitForGateway(url);
  console.log(`
\x1b[1mPrivate networking control plane is running.\x1b[0m
  Gateway:  ${url}
  DNS:      127.0.0.1:${dnsPort} (udp+tcp)
  NATS:     ${natsUrl}

Create an account (the admin token is in .run/admin-token, or ADMIN_TOKEN):
  export ADMIN_TOKEN=${token}
  curl -s -X POST ${url}/v1/admin/accounts -H "Authorization: Bearer $ADMIN_TOKEN" \\
       -H 'Content-Type: application/json' -d '{"name":"my-team"}'

Then follow the README: create a VM, read the topology, resolve it with dig.
Ctrl-C stops everything.
`);
}

// Before anything starts: on an older Node this re-runs the script on the project's.
ensureProjectNode();
stopOnSignals(supervisor, () => stopAll(0));
main().catch((error) => {
  console.error(`npm start failed: ${error.message}`);
  stopAll(1);
});
