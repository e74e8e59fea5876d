// One jest config for the monorepo. Tests import workspace packages by name
// (@pn/...); the mapper points those names at their TypeScript sources so no
// build is needed before a test run (type checking lives in `npm run build`).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const packageDirs = ['libs', 'services'].flatMap((top) =>
  readdirSync(join(root, top), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      top === 'libs'
        ? readdirSync(join(root, top, d.name), { withFileTypes: true })
            .filter((s) => s.isDirectory())
            .map((s) => join(top, d.name, s.name))
        : [join(top, d.name)],
    ),
);
const workspaceMapper = {};
for (const dir of packageDirs) {
  const pkgFile = join(root, dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const { name } = JSON.parse(readFileSync(pkgFile, 'utf8'));
  workspaceMapper[`^${name}$`] = `<rootDir>/${dir}/src/index.ts`;
  workspaceMapper[`^${name}/(.*)$`] = `<rootDir>/${dir}/src/$1`;
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
  },
];

const common = {
  rootDir: root,
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { ...workspaceMapper, '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,test}/**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,test}/**/*.int.spec.ts'],
    },
    // Benchmarks: run one at a time by `npm run bench:<name>`, never by `npm test`.
    { ...common, displayName: 'bench', testMatch: ['<rootDir>/test/bench/**/*.bench.ts'] },
  ],
};
