// The module boundaries of the monorepo, checked on every test run (what an
// Nx lint rule on tags would enforce):
//   - a project of scope X imports workspace packages of scope X or `shared` only,
//     so services meet through contracts, never through each other's domain;
//   - a domain library (type:domain) imports no framework, transport or store.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const FRAMEWORKS = /^(@nestjs\/|@nats-io\/|@eventstore\/|express|class-validator|class-transformer|rxjs)/;

interface Project {
  name: string;
  dir: string;
  scope: string;
  type: string;
}

function projects(): Project[] {
  const dirs = [
    ...readdirSync(join(root, 'services')).map((d) => join(root, 'services', d)),
    ...readdirSync(join(root, 'libs')).flatMap((d) => readdirSync(join(root, 'libs', d)).map((s) => join(root, 'libs', d, s))),
  ];
  return dirs
    .filter((dir) => statSync(join(dir, 'package.json'), { throwIfNoEntry: false }))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; nx?: { tags?: string[] } };
      const tag = (prefix: string) => pkg.nx?.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? '';
      return { name: pkg.name, dir, scope: tag('scope:'), type: tag('type:') };
    });
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'gen' || entry.name === 'dist' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

const all = projects();
const scopeOf = new Map(all.map((p) => [p.name, p.scope]));

describe('module boundaries', () => {
  it('has a scope and a type on every project', () => {
    expect(all.filter((p) => !p.scope || !p.type).map((p) => p.name)).toEqual([]);
  });

  it.each(all.map((p) => [p.name, p] as const))('%s imports only its own scope and shared', (_, project) => {
    const offending = sources(join(project.dir, 'src')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('@pn/'))
        .map((spec) => spec.split('/').slice(0, 2).join('/'))
        .filter((pkg) => ![project.scope, 'shared'].includes(scopeOf.get(pkg) ?? '?'))
        .map((pkg) => `${relative(root, file)} → ${pkg}`),
    );
    expect(offending).toEqual([]);
  });

  it.each(all.filter((p) => p.type === 'domain').map((p) => [p.name, p] as const))('%s (a domain) imports no framework', (_, project) => {
    const offending = sources(join(project.dir, 'src')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => FRAMEWORKS.test(spec) || (spec.startsWith('@pn/') && !['@pn/contracts', '@pn/decider'].includes(spec)))
        .map((spec) => `${relative(root, file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
