/**
 * Root ESLint flat config.
 *
 *  - typescript-eslint parser + its (non type-checked) `recommended` set for every `*.ts` file;
 *  - `@nx/enforce-module-boundaries` with the tag rules documented in tools/lint/README.md;
 *  - core `no-restricted-imports` on libs/domain as a second guard for Node built-ins, which the
 *    Nx rule cannot see (it drops `fs`, `node:fs`, ... before looking at depConstraints).
 *
 * The boundary rule only reads the *cached* Nx project graph (.nx/workspace-data) and silently
 * skips itself when there is none (fresh clone, `rm -rf .nx`, CI). So this file computes/refreshes
 * the graph before ESLint starts linting, in-process and without the Nx daemon, and fails loudly if
 * it cannot. The proof that the rule really bites lives in tools/lint/module-boundaries.spec.ts.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const repoRoot = dirname(fileURLToPath(import.meta.url));

// Must be set before @nx/devkit / @nx/eslint-plugin are loaded: both capture the workspace root at
// import time (otherwise derived from process.cwd()). Explicit user settings win.
process.env.NX_WORKSPACE_ROOT_PATH ??= repoRoot;
process.env.NX_DAEMON ??= 'false'; // nx.json already says useDaemonProcess:false; be explicit anyway

const { createProjectGraphAsync } = await import('@nx/devkit');
const { default: nx } = await import('@nx/eslint-plugin');

try {
  // Incremental (file hashes are cached), ~1 s on this repo; writes .nx/workspace-data/project-graph.json,
  // which is what the rule reads via readCachedProjectGraph().
  await createProjectGraphAsync({ exitOnError: false });
} catch (err) {
  throw new Error(
    `eslint.config.mjs: could not compute the Nx project graph, so @nx/enforce-module-boundaries would be ` +
      `silently skipped. Run \`NX_DAEMON=false npx nx show projects\` to see the error.\n` +
      (err instanceof Error ? err.stack ?? err.message : String(err)),
  );
}

const APPS = ['intake', 'triage', 'investigation', 'compensation', 'notification', 'compliance-archive'];

/** Framework and I/O packages the pure domain library must never touch (the Nx rule handles npm packages). */
const DOMAIN_BANNED_PACKAGES = [
  '@nestjs/*',
  'typeorm',
  'typeorm/**',
  'pg',
  'pg/**',
  'kafkajs',
  'kafkajs/**',
  'express',
  'express/**',
  'axios',
  'axios/**',
  'pino',
  'pino/**',
  'prom-client',
  'prom-client/**',
];

/** Node built-ins banned in domain. The Nx rule ignores built-ins, so these go to `no-restricted-imports`. */
const DOMAIN_BANNED_BUILTINS = ['fs', 'fs/promises', 'net', 'http', 'https', 'child_process'].flatMap((m) => [
  m,
  `node:${m}`,
]);

/**
 * @param {{ tests?: boolean }} [opts] tests: the constraints for test code (specs, test/ folders), which
 *   may additionally depend on the `type:testing` harness library. Production code may not.
 */
function depConstraints({ tests = false } = {}) {
  /** @param {string[]} tags */
  const only = (tags) => (tests ? [...new Set([...tags, 'type:testing'])] : tags);
  return [
    // ---- layer (type:*) constraints ----
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: only(['type:contracts', 'type:domain', 'type:data', 'type:platform', 'type:adapters', 'type:util']) },
    // Channel adapters parse, verify and map: contracts, domain rules and the platform's signature checks, no data access.
    { sourceTag: 'type:adapters', onlyDependOnLibsWithTags: only(['type:adapters', 'type:contracts', 'type:domain', 'type:platform']) },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: only(['type:domain']),
      // the Nx rule's copy of the node built-ins is inert (it ignores built-ins) but documents intent
      bannedExternalImports: [...DOMAIN_BANNED_PACKAGES, ...DOMAIN_BANNED_BUILTINS],
    },
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: only(['type:contracts']) },
    { sourceTag: 'type:data', onlyDependOnLibsWithTags: only(['type:data', 'type:contracts', 'type:domain']) },
    { sourceTag: 'type:platform', onlyDependOnLibsWithTags: only(['type:platform', 'type:contracts', 'type:domain', 'type:data']) },
    {
      sourceTag: 'type:testing',
      onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:domain', 'type:data', 'type:platform', 'type:util'],
    },
    { sourceTag: 'type:util', onlyDependOnLibsWithTags: only(['type:util']) },
    // ---- scope constraints: an app scope sees itself and shared; shared sees only shared ----
    ...APPS.map((app) => ({ sourceTag: `scope:${app}`, onlyDependOnLibsWithTags: [`scope:${app}`, 'scope:shared'] })),
    // The web console talks to the services over HTTP only; of the libraries it may use the shared ones.
    { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:console', 'scope:shared'] },
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ];
}

/** Test code, matching the unit / integration / e2e patterns in jest.config.js plus test/ helper folders. */
const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'];

/** @param {ReturnType<typeof depConstraints>} constraints */
const boundaryRule = (constraints) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: constraints }];

export default defineConfig([
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    '.data/',
    '.nx/',
    '.stack/',
    'tools/kafka/.lib/',
    'coverage/',
    'test-artifacts/',
    'tools/lint/fixtures/',
  ]),

  {
    name: 'complaints/typescript',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
    rules: {
      // Standard convention: a leading underscore marks a deliberately unused parameter/variable
      // (e.g. `_host` in libs/messaging/src/rethrow-filter.ts, required by Nest's filter signature).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // RELAXED (error -> warn): TypeORM's own option types are `Function[]` for entity and
      // migration classes (DataSourceOptions.entities / .migrations), and libs/platform
      // (bootstrap.ts, database.ts) mirrors them. Kept visible as a warning rather than off.
      '@typescript-eslint/no-unsafe-function-type': 'warn',
      // RELAXED (narrowly): libs/messaging/src/relay.ts aliases `const self = this` inside a named
      // inner function that must compare its own identity (`self.wake === done`). Only `self` is allowed.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
    },
  },

  {
    name: 'complaints/module-boundaries',
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaryRule(depConstraints()),
    },
  },

  {
    // Same boundaries for tests, except that any project's tests may use @complaints/testing
    // (e.g. libs/messaging/test/*.int-spec.ts). Other apps stay off limits.
    name: 'complaints/module-boundaries-tests',
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': boundaryRule(depConstraints({ tests: true })),
    },
  },

  {
    // The console's browser code is TSX: the same TypeScript rules and boundaries, with JSX parsed.
    name: 'complaints/console-tsx',
    files: ['apps/console/**/*.tsx'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { '@nx': nx },
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@nx/enforce-module-boundaries': boundaryRule(depConstraints()),
    },
  },

  {
    name: 'complaints/domain-purity',
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DOMAIN_BANNED_BUILTINS.map((name) => ({
            name,
            message: 'libs/domain is pure business logic: no file-system, network or process I/O. Do it in an app or platform and pass values in.',
          })),
        },
      ],
    },
  },
]);
