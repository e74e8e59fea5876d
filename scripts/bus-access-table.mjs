// `npm run bus:table`: prints the bus access table (who may do what on NATS)
// at the platform's default names, as the README shows it.
import { ensureProjectNode, run } from './lib/run.mjs';

ensureProjectNode();
run('npx', ['nx', 'run', '@pn/service-kit:build', '--outputStyle=static'], { stdio: ['ignore', 'ignore', 'inherit'] });
const { accessTableMarkdown } = await import('@pn/bus-access');
const { busNames, loadConfig } = await import('@pn/service-kit');
process.stdout.write(accessTableMarkdown(busNames(loadConfig({}))));
