// `npm run bench:<name>`: builds, makes sure NATS answers at NATS_URL (a local
// nats-server is started if nothing does), and runs test/bench/<name>.bench.ts,
// which prints its table. Benchmarks use that NATS directly rather than a
// container, whose port forwarding would be measured along with the system.
import { ensureNats } from './lib/nats.mjs';
import { ensureProjectNode, log, run } from './lib/run.mjs';

const name = process.argv[2];
if (!name) {
  console.error('usage: node scripts/bench.mjs <name>   (test/bench/<name>.bench.ts)');
  process.exit(2);
}
const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
let nats;
try {
  ensureProjectNode();
  log('building (nx run-many -t build)');
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
  nats = await ensureNats(natsUrl);
  run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--selectProjects', 'bench', '--runInBand', `test/bench/${name}`], {
    env: { ...process.env, NATS_URL: natsUrl, TEST_NATS: process.env.TEST_NATS ?? 'external', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  nats?.kill('SIGTERM');
}
