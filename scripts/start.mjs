// `npm start`: the whole system on this machine. Installs what is missing,
// builds, starts its own NATS with credentials per role (unless NATS_URL
// names an operator's NATS), runs the five services under a supervisor (a
// service that dies is restarted with backoff while the others keep
// serving), each as its own role on the bus, and prints how to use them.
// Where it can (root, `ip`, `nft`; DATAPLANE=off says no) it also runs the
// host agent, which makes every network real in namespaces on this machine.
// Ctrl-C stops everything, and the agent removes what it made.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFile, RUN_NATS } from './lib/bus.mjs';
import { ensureNats } from './lib/nats.mjs';
import { startOwnNats } from './lib/own-nats.mjs';
import { ensureProjectNode, log, root, run, sleep, startChild } from './lib/run.mjs';
import { stopOnSignals, Supervisor } from './lib/supervisor.mjs';

const SERVICES = [
  ['ipam', 35],
  ['dns', 33],
  ['billing', 34],
  ['resources', 32],
  ['gateway', 36],
];

// An operator's NATS, whose credentials (one file per role, <role>.json, and per host, host-agent.<host>.json) are in NATS_CREDENTIALS_DIR.
const operatorNats = process.env.NATS_URL;
const gatewayPort = process.env.GATEWAY_PORT || '8080';
const dnsPort = process.env.DNS_PORT || '5353';
const supervisor = new Supervisor();
let nats;

/** A secret generated once and kept under .run/ (owner-only), so restarts keep it. */
function keptSecret(name, bytes) {
  const file = join(root, '.run', name);
  mkdirSync(join(root, '.run'), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(bytes).toString('base64url') + '\n', { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

const adminToken = () => process.env.ADMIN_TOKEN || keptSecret('admin-token', 24);
// The key stored idempotent answers are sealed with: the gateways' alone.
const idempotencySecret = () => process.env.IDEMPOTENCY_SECRET || keptSecret('idempotency-secret', 32);
// The key the host agent's resolvers sign which network a query comes from: on whenever an agent runs.
const forwarderSecret = () => process.env.DNS_FORWARDER_SECRET || keptSecret('dns-forwarder-secret', 32);

/** Why this machine gets no data plane, or undefined when the host agent can run. */
async function noDataPlane() {
  if (process.env.DATAPLANE === 'off') return 'DATAPLANE=off';
  const { dataPlaneBlocker } = await import(join(root, 'services', 'host-agent', 'dist', 'preconditions.js'));
  return dataPlaneBlocker({ workloads: process.env.DATAPLANE_WORKLOADS !== 'off' });
}

async function waitForAgent(port) {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`the host agent did not become healthy at http://127.0.0.1:${port}/healthz`);
}

/** The bus: our own secured NATS, or the operator's at NATS_URL. Returns its URL and where each role's credentials are. */
async function bus() {
  if (!operatorNats) {
    const own = await startOwnNats();
    nats = own.child;
    return { natsUrl: own.url, credentialsOf: credentialsFile };
  }
  nats = await ensureNats(operatorNats);
  const dir = process.env.NATS_CREDENTIALS_DIR;
  if (!dir) log('\x1b[33mNATS_URL without NATS_CREDENTIALS_DIR: the services connect without credentials (they say so in their logs and /healthz)\x1b[0m');
  // Each host's agent has its own (`npm run bus:credentials -- <dir> <host id>`): this host's.
  const { machineHostId } = await import('@pn/bus-access');
  const fileOf = (role) => (role === 'host-agent' ? `host-agent.${process.env.HOST_ID || machineHostId()}.json` : `${role}.json`);
  return { natsUrl: operatorNats, credentialsOf: (role) => (dir ? join(dir, fileOf(role)) : '') };
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
  log('building (nx run-many -t build)');
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
  // After the build: our NATS's permissions come from the built access table.
  const { natsUrl, credentialsOf } = await bus();

  const token = adminToken();
  const blocker = await noDataPlane();
  const env = {
    ...process.env,
    NATS_URL: natsUrl,
    GATEWAY_PORT: gatewayPort,
    DNS_PORT: dnsPort,
    ADMIN_TOKEN: token,
    IDEMPOTENCY_SECRET: idempotencySecret(),
    ...(blocker ? {} : { DNS_FORWARDER_SECRET: forwarderSecret() }),
  };
  // The agent's workloads run as their own users (postgres) under .run/dataplane: .run must let them pass
  // (traverse only, no listing; every secret in it stays owner-only by its own mode).
  if (!blocker) chmodSync(join(root, '.run'), 0o711);
  const services = blocker ? SERVICES : [...SERVICES, ['host-agent', 37]];
  for (const [name, colour] of services) {
    // Each service as its own role: a path to its credentials, never the secret itself.
    const own = { ...env, NATS_CREDENTIALS: credentialsOf(name) };
    supervisor.add(name, () => startChild(name, process.execPath, [join('services', name, 'dist', 'main.js')], own, colour));
  }
  const url = `http://127.0.0.1:${gatewayPort}`;
  await waitForGateway(url);
  const agentPort = process.env.HOST_AGENT_PORT || '8086';
  if (blocker) log(`\x1b[33mno data plane: ${blocker}. Networks exist as records only (no isolation, names or traffic on the wire).\x1b[0m`);
  else await waitForAgent(agentPort);
  const dataPlane = blocker
    ? `  Data plane: none (${blocker})`
    : `  Data plane: host agent on http://127.0.0.1:${agentPort}/healthz; each VM is a network namespace:
              npm run vm -- exec <resource id> -- <command>    (e.g. getent hosts db, psql -h db -U postgres)
              npm run vm -- internet -- <command>             (the development internet, 198.51.100.10)`;
  console.log(`
\x1b[1mPrivate networking control plane is running.\x1b[0m
  Gateway:  ${url}
  DNS:      127.0.0.1:${dnsPort} (udp+tcp)
  NATS:     ${natsUrl}${operatorNats ? '' : ` (credentials per role in ${RUN_NATS}/credentials/)`}
${dataPlane}

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
