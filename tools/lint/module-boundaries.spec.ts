/**
 * Proves that the module-boundary rules in eslint.config.mjs actually bite.
 *
 * Snippets are linted with ESLint's Node API (`new ESLint({ cwd: repoRoot })` once, then
 * `lintText(code, { filePath })` with a virtual file inside a real project), so nothing is written
 * into apps/ or libs/. The control cases make sure the test cannot pass just because everything
 * fails (parse error, broken config, ...), and every assertion names the rule that must fire.
 *
 * ESLint runs in a worker thread (tools/lint/eslint-worker.mjs): it loads eslint.config.mjs with a
 * native `import()`, which Jest's CommonJS sandbox refuses without --experimental-vm-modules.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Linter } from 'eslint';

// The first lint loads the config, which computes the Nx project graph (a few seconds, cold).
jest.setTimeout(120_000);

const repoRoot = resolve(__dirname, '../..');
const BOUNDARY = '@nx/enforce-module-boundaries';
const RESTRICTED = 'no-restricted-imports';

type Reply = { id: number; messages?: Linter.LintMessage[]; error?: string };

let worker: Worker;
let nextId = 0;
const pending = new Map<number, (reply: Reply) => void>();

beforeAll(() => {
  worker = new Worker(resolve(__dirname, 'eslint-worker.mjs'), { workerData: { cwd: repoRoot } });
  worker.on('message', (reply: Reply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  worker.on('error', (err) => {
    for (const settle of pending.values()) settle({ id: -1, error: String(err?.stack ?? err) });
    pending.clear();
  });
});

afterAll(async () => {
  await worker?.terminate();
});

async function lint(code: string, file: string): Promise<Linter.LintMessage[]> {
  const id = nextId++;
  const reply = await new Promise<Reply>((settle) => {
    pending.set(id, settle);
    worker.postMessage({ id, code, filePath: resolve(repoRoot, file) });
  });
  if (reply.error) throw new Error(`ESLint failed for ${file}:\n${reply.error}`);
  const messages = reply.messages ?? [];
  // A fatal message (parse error, "file ignored", ...) would make every case meaningless.
  expect(messages.filter((m) => m.fatal || m.ruleId === null)).toEqual([]);
  return messages;
}

const ruleIds = (messages: Linter.LintMessage[]) => messages.filter((m) => m.severity === 2).map((m) => m.ruleId);

describe('module boundaries (eslint.config.mjs)', () => {
  // Runs first and absorbs the one-off cost: loading the config computes the Nx project graph.
  it('control: an app may import @complaints/contracts', async () => {
    const messages = await lint(`import { z } from '@complaints/contracts';\nexport const y = z;\n`, 'apps/intake/src/x.ts');
    expect(messages.filter((m) => m.ruleId === BOUNDARY)).toEqual([]);
    expect(ruleIds(messages)).toEqual([]);
  });

  it('control: libs/domain may import luxon', async () => {
    const messages = await lint(`import { DateTime } from 'luxon';\nexport const now = DateTime.utc();\n`, 'libs/domain/src/x.ts');
    expect(messages.filter((m) => m.ruleId === BOUNDARY)).toEqual([]);
    expect(ruleIds(messages)).toEqual([]);
  });

  it('an app importing another app by package name fails', async () => {
    const messages = await lint(`import { x } from '@complaints/triage';\nexport const y = x;\n`, 'apps/intake/src/x.ts');
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
    expect(messages[0].message).toMatch(/Imports of apps are forbidden|can only depend on libs tagged/);
  });

  it('an app importing another app by relative path fails', async () => {
    const messages = await lint(
      `import { TriageModule } from '../../triage/src/triage.module';\nexport const y = TriageModule;\n`,
      'apps/intake/src/x.ts',
    );
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
    expect(messages[0].message).toMatch(/cannot be imported by a relative or absolute path/);
  });

  it.each(['@nestjs/common', 'typeorm', 'pg', 'kafkajs'])('libs/domain importing %s fails', async (pkg) => {
    const messages = await lint(`import * as banned from '${pkg}';\nexport const y = banned;\n`, 'libs/domain/src/x.ts');
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
    expect(messages[0].message).toContain(`A project tagged with "type:domain" is not allowed to import "${pkg}"`);
  });

  it.each(['node:fs', 'fs', 'node:child_process', 'node:http'])('libs/domain importing the built-in %s fails', async (mod) => {
    // Nx ignores Node built-ins, so this is the job of the core rule configured for libs/domain.
    const messages = await lint(`import * as io from '${mod}';\nexport const y = io;\n`, 'libs/domain/src/x.ts');
    expect(ruleIds(messages)).toEqual([RESTRICTED]);
    expect(messages[0].message).toContain(`'${mod}' import is restricted`);
  });

  it('libs/domain importing @complaints/messaging fails', async () => {
    const messages = await lint(`import * as m from '@complaints/messaging';\nexport const y = m;\n`, 'libs/domain/src/x.ts');
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
    expect(messages[0].message).toContain('A project tagged with "type:domain" can only depend on libs tagged with "type:domain"');
  });

  it('a shared lib importing a lib of a higher layer fails (contracts -> domain)', async () => {
    const messages = await lint(`import * as d from '@complaints/domain';\nexport const y = d;\n`, 'libs/contracts/src/x.ts');
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
    expect(messages[0].message).toContain('A project tagged with "type:contracts" can only depend on libs tagged with "type:contracts"');
  });

  it('production app code may not import @complaints/testing, but its specs may', async () => {
    const code = `import * as t from '@complaints/testing';\nexport const y = t;\n`;
    const prod = await lint(code, 'apps/intake/src/x.ts');
    expect(ruleIds(prod)).toEqual([BOUNDARY]);
    const spec = await lint(code, 'apps/intake/src/x.spec.ts');
    expect(ruleIds(spec)).toEqual([]);
  });

  it('a spec importing another app still fails', async () => {
    const messages = await lint(`import { x } from '@complaints/triage';\nexport const y = x;\n`, 'apps/intake/test/x.int-spec.ts');
    expect(ruleIds(messages)).toEqual([BOUNDARY]);
  });

  it('the node built-in guard is scoped to libs/domain (platform may use node:fs)', async () => {
    const messages = await lint(`import * as fs from 'node:fs';\nexport const y = fs;\n`, 'libs/platform/src/x.ts');
    expect(ruleIds(messages)).toEqual([]);
  });
});
