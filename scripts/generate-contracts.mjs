// Generates TypeScript from proto/ with buf and the local protoc-gen-es plugin.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'node_modules', '.bin');
rmSync(join(root, 'libs/shared/contracts/src/gen'), { recursive: true, force: true });
execFileSync(join(bin, 'buf'), ['generate'], {
  cwd: join(root, 'proto'),
  stdio: 'inherit',
  env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? join(root, '.cache') },
});
console.log('contracts generated in libs/shared/contracts/src/gen');

// The package index re-exports every generated file, so a new .proto needs no hand edit.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
const src = join(root, 'libs/shared/contracts/src');
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const generated = walk(join(src, 'gen')).map((f) => f.slice(src.length + 1).replace(/\.ts$/, '.js')).sort();
writeFileSync(
  join(src, 'index.ts'),
  ['// Generated message and event types (from proto/) plus the bus routes.', ...generated.map((f) => `export * from './${f}';`), "export * from './routes.js';", "export * from './event-codec.js';", "export * from './dns-label.js';", "export * from './hostnames.js';", "export * from './health.js';", ''].join('\n'),
);
