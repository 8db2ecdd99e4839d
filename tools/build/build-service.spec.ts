import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { createPackageJson } from 'nx/src/plugins/js/package-json/create-package-json';
import type { ProjectFileMap, ProjectGraph } from 'nx/src/config/project-graph';
import {
  defaultPort,
  definitionExport,
  entrySource,
  jsonRequires,
  requiredPackages,
  ROOT,
  servicePackageJson,
  sourceFiles,
  unresolvedRequires,
  workspaceClosure,
} from './build-service';

const SERVICES: Record<string, number> = {
  intake: 3101,
  triage: 3102,
  investigation: 3103,
  compensation: 3104,
  notification: 3105,
  'compliance-archive': 3106,
};

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'build-service-'));
const write = (root: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

describe('build targets', () => {
  it('every app under apps/ is one of the six services, or the console that serves their staff', () => {
    expect(fs.readdirSync(path.join(ROOT, 'apps')).sort()).toEqual([...Object.keys(SERVICES), 'console'].sort());
  });

  it.each(Object.keys(SERVICES))('%s has a cached build target writing dist/apps/%s with its own version', (service) => {
    const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'apps', service, 'project.json'), 'utf8'));
    const build = project.targets.build;
    expect(build.outputs).toEqual([`{workspaceRoot}/dist/apps/${service}`]);
    expect(build.options.command).toMatch(new RegExp(`^node tools/stack/run-ts\\.mjs tools/build/build-service\\.ts ${service}( |$)`));
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'apps', service, 'package.json'), 'utf8'));
    expect(own.name).toBe(`@complaints/${service}`);
    expect(own.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('triage ships the routing tables and the trained models it reads at run time', () => {
    const command: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'apps/triage/project.json'), 'utf8')).targets.build.options.command;
    expect(command).toContain('--asset apps/triage/routing');
    expect(command).toContain('--asset libs/classifier/models');
    const policy = fs.readFileSync(path.join(ROOT, 'apps/triage/src/triage/triage-policy.ts'), 'utf8');
    // the output mirrors the repository, so these paths (relative to the compiled file) stay right
    expect(policy).toContain("path.resolve(__dirname, '../../../..')");
    expect(policy).toContain("'libs/classifier/models'");
    expect(policy).toContain("'apps/triage/routing'");
  });

  it('nx.json caches builds on production inputs, the libraries they use and the build script', () => {
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'nx.json'), 'utf8')).targetDefaults.build;
    expect(build.cache).toBe(true);
    expect(build.inputs).toEqual(expect.arrayContaining(['production', '^production', '{workspaceRoot}/tools/build/build-service.ts']));
  });

  it('the default ports come from DEFAULT_PORTS and match docs/architecture.md', () => {
    const bootstrap = fs.readFileSync(path.join(ROOT, 'libs/platform/src/bootstrap.ts'), 'utf8');
    const architecture = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const [service, port] of Object.entries(SERVICES)) {
      expect(defaultPort(bootstrap, service)).toBe(port);
      expect(architecture).toContain(`| ${service} | ${port} |`);
    }
    expect(() => defaultPort(bootstrap, 'nonesuch')).toThrow(/no default port/);
  });

  it('each main.ts exports the definition the generated entry starts', () => {
    for (const service of Object.keys(SERVICES)) {
      const main = fs.readFileSync(path.join(ROOT, 'apps', service, 'src/main.ts'), 'utf8');
      expect(definitionExport(main)).toMatch(/Service$/);
    }
    expect(() => definitionExport('export const x = 1;')).toThrow();
  });
});

describe('workspaceClosure', () => {
  it('follows library dependencies transitively and ignores npm nodes', () => {
    const graph = {
      nodes: { app: {}, a: {}, b: {}, c: {} },
      dependencies: {
        app: [{ source: 'app', target: 'a' }, { source: 'app', target: 'npm:pg' }],
        a: [{ source: 'a', target: 'b' }],
        b: [{ source: 'b', target: 'a' }],
        c: [],
      },
    } as unknown as ProjectGraph;
    expect(workspaceClosure(graph, 'app').sort()).toEqual(['a', 'app', 'b']);
  });
});

describe('sourceFiles', () => {
  it('takes the project’s TypeScript, beside src/ too, and leaves tests and test helpers out', () => {
    const root = tmp();
    for (const f of ['src/index.ts', 'src/a.spec.ts', 'src/a.int-spec.ts', 'src/x/testing/helper.ts', 'src/fixtures/f.ts', 'branch/index.ts', 'branch/b.spec.ts', 'data/d.json'])
      write(root, `libs/l/${f}`, '');
    expect(sourceFiles(root, 'libs/l')).toEqual(['libs/l/branch/index.ts', 'libs/l/src/index.ts']);
  });

  it('covers the intake adapters kept beside libs/intake-adapters/src', () => {
    const files = sourceFiles(ROOT, 'libs/intake-adapters');
    expect(files).toContain('libs/intake-adapters/wechat/wechat-crypto.ts');
    expect(files.some((f) => f.endsWith('.spec.ts'))).toBe(false);
  });
});

describe('checks on the built output', () => {
  it('jsonRequires finds relative JSON modules', () => {
    expect(jsonRequires(`const a = require("../data/cn.v1.json"); const b = require('pkg/x.json'); require("./y.json")`)).toEqual(['../data/cn.v1.json', './y.json']);
  });

  it('unresolvedRequires names relative requires with nothing behind them', () => {
    const out = tmp();
    write(out, 'main.js', `require("./a/src/main.js"); require('./lib/src'); require("./data/x.json"); require("./gone")`);
    write(out, 'a/src/main.js', `require("../../lib/src/index")`);
    write(out, 'lib/src/index.js', `require("pg")`);
    write(out, 'data/x.json', '{}');
    expect(unresolvedRequires(out)).toEqual(['main.js -> ./gone']);
  });

  it('requiredPackages reduces bare requires to package names, built-ins left out', () => {
    const out = tmp();
    write(out, 'a.js', `require("@nestjs/common"); require("fs"); require("node:path"); require("pg"); require("./local")`);
    write(out, 'b/c.js', `require("rxjs/operators"); require.resolve('@expo-google-fonts/noto-sans-sc/package.json')`);
    write(out, 'node_modules/x/index.js', `require("ignored")`);
    expect(requiredPackages(out)).toEqual(['@expo-google-fonts/noto-sans-sc', '@nestjs/common', 'pg', 'rxjs']);
  });
});

describe('generated package.json', () => {
  // A workspace in miniature: an app using a library; the library's spec imports a dev dependency.
  const root = tmp();
  write(root, 'package.json', JSON.stringify({ name: 'ws', dependencies: { '@nestjs/core': '^11.0.0', pg: '^8.0.0', luxon: '^3.0.0' }, devDependencies: { jest: '^29.0.0' } }));
  write(root, 'apps/app/package.json', JSON.stringify({ name: '@complaints/app', version: '1.4.2', private: true, main: 'src/main.ts' }));
  const npm = (name: string, version: string) => ({ type: 'npm', name: `npm:${name}`, data: { packageName: name, version } });
  const graph = {
    nodes: {
      app: { type: 'app', name: 'app', data: { root: 'apps/app' } },
      lib: { type: 'lib', name: 'lib', data: { root: 'libs/lib' } },
    },
    externalNodes: { 'npm:@nestjs/core': npm('@nestjs/core', '11.2.10'), 'npm:pg': npm('pg', '8.23.1'), 'npm:luxon': npm('luxon', '3.7.2'), 'npm:jest': npm('jest', '29.7.0') },
    dependencies: { app: [{ source: 'app', target: 'lib', type: 'static' }], lib: [] },
  } as unknown as ProjectGraph;
  const fileMap = {
    app: [{ file: 'apps/app/src/main.ts', hash: '1', deps: ['lib', 'npm:@nestjs/core'] }],
    lib: [
      { file: 'libs/lib/src/index.ts', hash: '2', deps: ['npm:pg'] },
      { file: 'libs/lib/src/index.spec.ts', hash: '3', deps: ['npm:jest'] },
    ],
  } as unknown as ProjectFileMap;

  it('lists exactly the production packages the app and its libraries import, at the installed versions', () => {
    const generated = createPackageJson('app', graph, { root, isProduction: true, skipPackageManager: true }, fileMap);
    const pkg = servicePackageJson(generated as never, { name: '@complaints/app', version: '1.4.2' }, '>=20');
    expect(pkg).toEqual({
      name: '@complaints/app',
      version: '1.4.2',
      private: true,
      main: 'main.js',
      scripts: { start: 'node main.js', migrate: 'node main.js migrate' },
      engines: { node: '>=20' },
      dependencies: { '@nestjs/core': '11.2.10', pg: '8.23.1' },
    });
  });

  it('drops workspace packages and anything but dependencies', () => {
    const pkg = servicePackageJson(
      { name: 'x', version: '0.0.1', dependencies: { '@complaints/domain': '*', zod: '3.25.76' }, devDependencies: { jest: '29' }, peerDependencies: { a: '1' } },
      { name: '@complaints/x', version: '2.0.0' },
      '>=20',
    );
    expect(pkg.dependencies).toEqual({ zod: '3.25.76' });
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('peerDependencies');
  });
});

describe('generated entry (main.js)', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'main.js'), entrySource('compliance-archive', 'complianceArchiveService', 3106));

  it('is valid JavaScript that names the service, its export and its port variable', () => {
    const source = fs.readFileSync(path.join(dir, 'main.js'), 'utf8');
    expect(() => new Function(source.replace(/^#!.*\n/, ''))).not.toThrow();
    expect(source).toContain("require('./apps/compliance-archive/src/main.js').complianceArchiveService");
    expect(source).toContain('process.env.COMPLIANCE_ARCHIVE_PORT ?? process.env.PORT ?? \'3106\'');
  });

  it('`health` asks /health/live on the configured port without loading the service', async () => {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/health/live' ? 200 : 404).end('{"status":"up"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as AddressInfo).port);
    try {
      // the service's modules do not exist in this folder: loading them would fail
      await expect(promisify(execFile)(process.execPath, [path.join(dir, 'main.js'), 'health'], { env: { PATH: process.env.PATH, COMPLIANCE_ARCHIVE_PORT: port } })).resolves.toBeDefined();
      expect(paths).toEqual(['/health/live']);
    } finally {
      server.close();
    }
    // nothing listens on port 1
    expect(() => execFileSync(process.execPath, [path.join(dir, 'main.js'), 'health'], { env: { PATH: process.env.PATH, PORT: '1' }, stdio: 'pipe' })).toThrow(
      expect.objectContaining({ status: 1 }),
    );
  });

  it('refuses an unknown command', () => {
    expect(() => execFileSync(process.execPath, [path.join(dir, 'main.js'), 'bogus'], { stdio: 'pipe' })).toThrow(expect.objectContaining({ status: 2 }));
  });
});
