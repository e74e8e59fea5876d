// `npm test`: every test. Installs what is missing, type-checks and builds
// every project, then runs the unit specs and the integration suites. The
// integration suites start NATS in a container where a Docker engine answers,
// and otherwise run against NATS_URL (started here if nothing answers).
import { ensureNats } from './lib/nats.mjs';
import { ensureProjectNode, log, run } from './lib/run.mjs';

const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];
const extra = process.argv.slice(2);
let nats;
try {
  ensureProjectNode();
  log('type-checking and building every project (nx run-many -t build)');
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
  log('type-checking the tests (tsc -p tsconfig.spec.json)');
  run('npx', ['tsc', '-p', 'tsconfig.spec.json']);
  // Used only where no container engine answers; harmless otherwise.
  nats = await ensureNats(process.env.NATS_URL || 'nats://127.0.0.1:4222');
  log('unit specs');
  run(process.execPath, [...jest, '--selectProjects', 'unit', ...extra]);
  log('integration suites');
  // --verbose lists every test, so a suite skipped for want of a server shows its reason.
  run(process.execPath, [...jest, '--selectProjects', 'integration', '--runInBand', '--verbose', ...extra]);
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  nats?.kill('SIGTERM');
}
