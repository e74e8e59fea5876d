// Makes sure a NATS server with JetStream answers at NATS_URL. If nothing
// listens there and the URL is local, start a nats-server (installing
// Debian's package when we are root and it is missing).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { canConnect, commandExists, log, root, run, sleep } from './run.mjs';

export async function ensureNats(natsUrl) {
  const servers = natsUrl.split(',').map((s) => s.trim()).filter(Boolean);
  // Several servers are a cluster someone else runs: never start a lone server on one of its ports (it
  // would take a node's place with an empty store). Its nodes may be starting with us: wait for one.
  if (servers.length > 1) return waitForAnyNode(servers);
  const url = new URL(servers[0]);
  const host = url.hostname;
  const port = Number(url.port || 4222);
  if (await canConnect(host, port)) {
    log(`NATS is reachable at ${natsUrl}`);
    return undefined;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`nothing answers at NATS_URL=${natsUrl}; start NATS with JetStream there, or unset NATS_URL`);
  }
  const binary = natsBinary();
  const storeDir = join(root, '.run', 'nats');
  mkdirSync(storeDir, { recursive: true });
  log(`starting ${binary} with JetStream on ${host}:${port} (data in .run/nats)`);
  const child = spawn(binary, ['-a', host === 'localhost' ? '127.0.0.1' : host, '-p', String(port), '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 50 && !(await canConnect(host, port)); i++) await sleep(100);
  if (!(await canConnect(host, port))) throw new Error('nats-server did not start');
  return child;
}

/** A nats-server binary, installing Debian's package when we are root and it is missing. */
export function natsBinary() {
  let binary = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'].find((c) => commandExists(c));
  if (!binary && process.getuid?.() === 0 && commandExists('apt-get')) {
    log("installing Debian's nats-server package");
    run('apt-get', ['install', '-y', '-qq', 'nats-server'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    binary = 'nats-server';
  }
  if (!binary) throw new Error('no nats-server binary: install nats-server (Debian: apt-get install nats-server), or set NATS_URL to a NATS with JetStream');
  return binary;
}

/** Resolves once one of a cluster's nodes accepts connections (the services then wait for JetStream themselves). */
async function waitForAnyNode(servers) {
  const nodes = servers.map((s) => new URL(s)).map((u) => ({ host: u.hostname, port: Number(u.port || 4222) }));
  for (let i = 0; i < 300; i++) {
    for (const { host, port } of nodes) {
      if (await canConnect(host, port)) {
        log(`NATS cluster reachable (${host}:${port} of ${servers.join(',')})`);
        return undefined;
      }
    }
    if (i === 0) log(`waiting for a node of the NATS cluster at ${servers.join(',')}`);
    await sleep(100);
  }
  throw new Error(`no node of the NATS cluster at NATS_URL=${servers.join(',')} accepts connections`);
}
