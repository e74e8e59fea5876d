// `npm start`'s own NATS: a nats-server on its own port (14222, or a free one
// when that is taken) with its store under .run/nats/data, configured with
// one nkey user per role (the host agent's for this host) and exactly the
// permissions of the bus access table
// (@pn/bus-access, so the workspace must be built). Credentials are made once
// and kept in .run/nats/credentials/ (directory 700, files 600), so restarts
// keep them; the server configuration is written anew from the table each
// time. Nothing here touches whatever else answers on 4222.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFile, RUN_NATS } from './bus.mjs';
import { natsBinary } from './nats.mjs';
import { canConnect, log, sleep } from './run.mjs';

const PREFERRED_PORT = 14222;

async function freeLocalPort() {
  if (!(await canConnect('127.0.0.1', PREFERRED_PORT, 300))) return PREFERRED_PORT;
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Starts the secured NATS; resolves with its child process and URL once it accepts connections. */
export async function startOwnNats() {
  const { ROLES, authorizationConfig, machineHostId, publicKeysOf, readCredentials, writeCredentials } = await import('@pn/bus-access');
  const { busNames, loadConfig } = await import('@pn/service-kit');
  const credentialsDir = join(RUN_NATS, 'credentials');
  // The one host agent's credential is for HOST_ID, else this machine: made anew when that changed.
  const host = process.env.HOST_ID || machineHostId();
  // (A file from before hosts had users of their own names none: made anew too.)
  const hostOf = (file) => {
    try {
      return readCredentials(file).host;
    } catch {
      return undefined;
    }
  };
  const kept = ROLES.every((role) => existsSync(credentialsFile(role))) && hostOf(credentialsFile('host-agent')) === host;
  const keys = kept ? publicKeysOf(credentialsDir) : writeCredentials(credentialsDir, ROLES, host).keys;
  const port = await freeLocalPort();
  const storeDir = join(RUN_NATS, 'data');
  mkdirSync(storeDir, { recursive: true });
  const configFile = join(RUN_NATS, 'nats.conf');
  const server = `# npm start's own NATS (scripts/lib/own-nats.mjs): written anew at every start.\nhost: 127.0.0.1\nport: ${port}\njetstream { store_dir: ${JSON.stringify(storeDir)} }\n`;
  writeFileSync(configFile, server + authorizationConfig(busNames(loadConfig(process.env)), keys), { mode: 0o600 });
  const url = `nats://127.0.0.1:${port}`;
  log(`starting NATS with credentials per role on ${url} (config .run/nats/nats.conf, credentials .run/nats/credentials/, data .run/nats/data)`);
  const child = spawn(natsBinary(), ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => (output = (output + chunk.toString()).slice(-4000)));
  for (let i = 0; i < 100 && child.exitCode === null && !(await canConnect('127.0.0.1', port)); i++) await sleep(100);
  if (child.exitCode !== null || !(await canConnect('127.0.0.1', port))) throw new Error(`nats-server did not start: ${output.trim()}`);
  writeFileSync(join(RUN_NATS, 'url'), `${url}\n`);
  return { child, url };
}
