// nx build <service>: compiles one service and the workspace libraries it uses (transitively) to
// dist/apps/<service>/, with SWC and the same decorator settings the services run with from source, and
// writes a package.json (name and version from apps/<service>/package.json) plus a package-lock.json that
// list only the npm packages that service's code imports. Nx's own createPackageJson / createLockFile
// produce them: the functions behind the @nx/js executors' generatePackageJson / generateLockfile.
//
// Output layout mirrors the repository, so relative paths computed from __dirname keep working:
//   dist/apps/<service>/main.js                     entry: `node main.js` serves, `node main.js migrate` migrates
//   dist/apps/<service>/apps/<service>/src/**.js    the service
//   dist/apps/<service>/libs/<lib>/src/**.js        the libraries it uses; @complaints/* rewritten to relative paths
//   dist/apps/<service>/<asset dirs>                data files read at run time (--asset), JSON imported by the code
//
// usage: run-ts.mjs tools/build/build-service.ts <service> [--asset <dir-or-file> ...]
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { ProjectGraph } from 'nx/src/config/project-graph';
import { createProjectGraphAsync } from 'nx/src/project-graph/project-graph';
import { transformFile, Options } from '@swc/core';
import { createPackageJson } from 'nx/src/plugins/js/package-json/create-package-json';
import { createLockFile } from 'nx/src/plugins/js/lock-file/lock-file';

export const ROOT = path.resolve(__dirname, '../..');

/** Every workspace project the given one depends on, directly or through other libraries. */
export function workspaceClosure(graph: Pick<ProjectGraph, 'nodes' | 'dependencies'>, project: string): string[] {
  const seen = new Set<string>([project]);
  const queue = [project];
  while (queue.length) {
    const current = queue.shift() as string;
    for (const dep of graph.dependencies[current] ?? []) {
      if (graph.nodes[dep.target] && !seen.has(dep.target)) {
        seen.add(dep.target);
        queue.push(dep.target);
      }
    }
  }
  return [...seen];
}

/** Test-only folders inside a project (e.g. apps/compliance-archive/src/dossier/testing): not built. */
const EXCLUDED_DIRS = ['fixtures', '__fixtures__', 'test', 'testing', 'node_modules', 'dist'];
const TEST_FILE = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

/** The TypeScript files of a project that belong in a production build (tests and fixtures left out). */
export function sourceFiles(root: string, projectRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.includes(entry.name)) walk(rel);
      } else if (entry.name.endsWith('.ts') && !TEST_FILE.test(entry.name)) out.push(rel);
    }
  };
  // The whole project, not only src/: libs/intake-adapters keeps each channel's adapter beside src/.
  walk(projectRoot);
  return out.sort();
}

/** SWC options: the jest/run-ts settings (legacy decorators with metadata), plus the tsconfig path aliases. */
export function swcOptions(root: string, filename: string): Options {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
  return {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: tsconfig.compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  };
}

/** The relative `.json` modules a compiled file requires (resolveJsonModule imports); they are copied as-is. */
export function jsonRequires(code: string): string[] {
  return [...code.matchAll(/require\(["'](\.{1,2}\/[^"']+\.json)["']\)/g)].map((m) => m[1]);
}

/** The npm packages the built files require (bare specifiers reduced to package names; node: built-ins left out). */
export function requiredPackages(outDir: string): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(file);
      } else if (entry.name.endsWith('.js')) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/require(?:\.resolve)?\(["']([^"'.][^"']*)["']\)/g)) {
          const spec = m[1];
          if (spec.startsWith('node:') || isBuiltin(spec)) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
    }
  };
  walk(outDir);
  return [...found].sort();
}

/** Relative requires in the built files that point at nothing in the output: a file the build left out. */
export function unresolvedRequires(outDir: string): string[] {
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(file);
      } else if (entry.name.endsWith('.js')) {
        const code = fs.readFileSync(file, 'utf8');
        for (const m of code.matchAll(/require\(["'](\.{1,2}\/[^"']*)["']\)/g)) {
          const target = path.resolve(dir, m[1]);
          const candidates = [target, `${target}.js`, `${target}.json`, path.join(target, 'index.js')];
          if (!candidates.some((c) => fs.existsSync(c) && fs.statSync(c).isFile())) missing.push(`${path.relative(outDir, file)} -> ${m[1]}`);
        }
      }
    }
  };
  walk(outDir);
  return missing;
}

/**
 * The start script. `node main.js` runs the service; `node main.js migrate` applies its database migrations
 * (the list the service applies at start-up) and exits; `node main.js health` asks the running service's
 * /health/live (for container health checks: no curl needed) without loading the service.
 */
export function entrySource(service: string, exportName: string, port: number): string {
  const portVar = `${service.replace(/-/g, '_').toUpperCase()}_PORT`;
  return `#!/usr/bin/env node
'use strict';
// Generated by tools/build/build-service.ts for ${service}: node main.js [serve|migrate|health]
const command = process.argv[2] ?? 'serve';
if (command === 'health') {
  const port = process.env.${portVar} ?? process.env.PORT ?? '${port}';
  fetch(\`http://\${process.env.HEALTHCHECK_HOST ?? '127.0.0.1'}:\${port}/health/live\`, { signal: AbortSignal.timeout(4000) }).then(
    (res) => process.exit(res.ok ? 0 : 1),
    () => process.exit(1),
  );
} else if (command === 'serve') {
  require('./libs/platform/src/index.js').runService(require('./apps/${service}/src/main.js').${exportName});
} else if (command === 'migrate') {
  const platform = require('./libs/platform/src/index.js');
  const { ${exportName}: definition } = require('./apps/${service}/src/main.js');
  (async () => {
    const config = platform.databaseConfigFromEnv(definition.name);
    const migrations = [...platform.PLATFORM_MIGRATIONS, ...definition.migrations];
    const dataSource = await platform.openDatabase(config, [], migrations);
    const applied = await dataSource.query('SELECT name FROM schema_migrations ORDER BY id');
    console.log(JSON.stringify({ level: 'info', service: definition.name, msg: 'migrated', schema: config.schema, migrations: applied.map((m) => m.name) }));
    await dataSource.destroy();
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  console.error('usage: node main.js [serve|migrate|health]');
  process.exit(2);
}
`;
}

/** The service's default port, from DEFAULT_PORTS in libs/platform/src/bootstrap.ts. */
export function defaultPort(bootstrapSource: string, service: string): number {
  const table = bootstrapSource.match(/DEFAULT_PORTS[^=]*=\s*\{([^}]*)\}/);
  const entry = table?.[1].match(new RegExp(`['"]?${service}['"]?\\s*:\\s*(\\d+)`));
  if (!entry) throw new Error(`no default port for ${service} in DEFAULT_PORTS`);
  return Number(entry[1]);
}

/** Which export of apps/<service>/src/main.ts holds the service definition (e.g. triageService). */
export function definitionExport(mainSource: string): string {
  const match = mainSource.match(/export const (\w+Service)\s*=/);
  if (!match) throw new Error('apps/<service>/src/main.ts exports no `<name>Service` definition');
  return match[1];
}

export interface ServicePackageJson {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  scripts?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The package.json of a built service: Nx's generated one (only the npm packages the service and its
 * libraries import, at the workspace's versions) with the service's own name and version and a start script.
 */
export function servicePackageJson(generated: ServicePackageJson, own: { name: string; version: string }, node: string): ServicePackageJson {
  const dependencies = Object.fromEntries(Object.entries(generated.dependencies ?? {}).filter(([name]) => !name.startsWith('@complaints/')));
  return {
    name: own.name,
    version: own.version,
    private: true,
    main: 'main.js',
    scripts: { start: 'node main.js', migrate: 'node main.js migrate' },
    engines: { node: node },
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function copy(from: string, to: string) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

export async function buildService(service: string, assets: string[], root = ROOT): Promise<{ outDir: string; files: number; packageJson: ServicePackageJson }> {
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const node = graph.nodes[service];
  if (!node || node.type !== 'app') throw new Error(`${service} is not an application of this workspace`);
  const outDir = path.join(root, 'dist/apps', service);
  fs.rmSync(outDir, { recursive: true, force: true });

  const projects = workspaceClosure(graph, service);
  if (projects.includes('testing')) throw new Error(`${service} imports @complaints/testing in production code`);
  let files = 0;
  for (const project of projects) {
    for (const rel of sourceFiles(root, graph.nodes[project].data.root)) {
      const source = path.join(root, rel);
      const out = await transformFile(source, swcOptions(root, source));
      const target = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${out.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (out.map) {
        const map = JSON.parse(out.map);
        map.sources = [path.relative(path.dirname(target), source)];
        fs.writeFileSync(`${target}.map`, JSON.stringify(map));
      }
      for (const json of jsonRequires(out.code)) copy(path.resolve(path.dirname(source), json), path.resolve(path.dirname(target), json));
      files++;
    }
  }
  for (const asset of assets) copy(path.join(root, asset), path.join(outDir, asset));

  const main = fs.readFileSync(path.join(root, node.data.root, 'src/main.ts'), 'utf8');
  const port = defaultPort(fs.readFileSync(path.join(root, 'libs/platform/src/bootstrap.ts'), 'utf8'), service);
  fs.writeFileSync(path.join(outDir, 'main.js'), entrySource(service, definitionExport(main), port));

  const missing = unresolvedRequires(outDir);
  if (missing.length) throw new Error(`the build of ${service} requires files it does not contain:\n  ${missing.join('\n  ')}`);

  const own = JSON.parse(fs.readFileSync(path.join(root, node.data.root, 'package.json'), 'utf8'));
  const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const generated = createPackageJson(service, graph, { root, isProduction: true, skipPackageManager: true }) as ServicePackageJson;
  const packageJson = servicePackageJson(generated, own, rootPackage.engines?.node ?? '>=20');
  // Nx drops packages that are root devDependencies from a production package.json: a service that really
  // requires one would fail at run time, so every package the built code requires must be listed.
  const unlisted = requiredPackages(outDir).filter((name) => !packageJson.dependencies?.[name]);
  if (unlisted.length) throw new Error(`${service} requires packages its package.json does not list (root devDependencies?): ${unlisted.join(', ')}`);
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'package-lock.json'), createLockFile(packageJson as never, graph, 'npm'));
  return { outDir, files, packageJson };
}

async function cli(argv: string[]) {
  const [service, ...rest] = argv;
  if (!service) throw new Error('usage: build-service.ts <service> [--asset <path> ...]');
  const assets: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--asset' && rest[i + 1]) assets.push(rest[++i]);
    else throw new Error(`unknown argument ${rest[i]}`);
  }
  const started = Date.now();
  const { outDir, files, packageJson } = await buildService(service, assets);
  const deps = Object.keys(packageJson.dependencies ?? {});
  console.log(`${packageJson.name}@${packageJson.version}: ${files} modules to ${path.relative(ROOT, outDir)} in ${Date.now() - started} ms; ${deps.length} dependencies: ${deps.join(', ')}`);
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
