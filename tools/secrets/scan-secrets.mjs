#!/usr/bin/env node
/**
 * Secret scan for CI: runs secretlint (rules: .secretlintrc.json, the recommended preset) over the
 * files git tracks, so local git-ignored files such as .data/dev-secrets.json are never looked at.
 * Paths in .secretlintignore are skipped as well.
 *
 *   node tools/secrets/scan-secrets.mjs [--cwd <dir>]     (default: the repository root)
 *
 * Exit status: 0 nothing found, 1 possible secrets found (the files are listed), 2 the scan could
 * not run. secretlint runs once over the whole list (in batches only when the command line would
 * get too long). Findings are printed masked; secretlint's JSON report (which holds the files'
 * clear text) is parsed here and never printed.
 *
 * A false positive is narrowed where it occurs, never by ignoring a source folder: a
 * `secretlint-disable-line` / `secretlint-disable-next-line` comment on that line, or an `allows`
 * entry for that one rule in .secretlintrc.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = path.join(ROOT, '.secretlintrc.json');
const SECRETLINT = path.join(ROOT, 'node_modules', 'secretlint', 'bin', 'secretlint.js');
/**
 * Characters of file arguments per secretlint run; well below Windows' 32 KiB command line.
 * SCAN_SECRETS_MAX_ARG_CHARS lowers it (the spec uses it to exercise the batching).
 */
const MAX_ARG_CHARS = Number(process.env.SCAN_SECRETS_MAX_ARG_CHARS) || 24_000;

const fail = (msg) => {
  console.error(`secret scan: ${msg}`);
  process.exit(2);
};

let cwd;
try {
  const { values } = parseArgs({ options: { cwd: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: node tools/secrets/scan-secrets.mjs [--cwd <dir>]   (default: the repository root)');
    process.exit(0);
  }
  cwd = path.resolve(values.cwd ?? ROOT);
} catch (err) {
  fail(`${err.message}\nusage: node tools/secrets/scan-secrets.mjs [--cwd <dir>]`);
}
if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) fail(`not a directory: ${cwd}`);
if (!fs.existsSync(SECRETLINT)) fail(`secretlint is not installed (${SECRETLINT} is missing); run npm install`);

const started = process.hrtime.bigint();

// Tracked files only (the index: committed or staged). Symlinks, submodules and files deleted in
// the working tree are skipped: there is no regular file to read.
const git = spawnSync('git', ['ls-files', '-z', '--cached'], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
if (git.error || git.status !== 0) fail(`git ls-files failed in ${cwd}: ${git.error?.message ?? git.stderr.trim()}`);
const files = [...new Set(git.stdout.split('\0').filter(Boolean))].filter((f) => {
  try {
    return fs.lstatSync(path.join(cwd, f)).isFile();
  } catch {
    return false;
  }
});
if (files.length === 0) {
  console.log(`secret scan: no tracked files in ${cwd}`);
  process.exit(0);
}

// secretlint treats its arguments as globs: escape glob syntax so a file such as `[id].ts` means
// itself (same escaping as fast-glob's convertPathToPattern, which secretlint applies to plain paths).
const asPattern = (f) =>
  process.platform === 'win32' ? f : f.replace(/(\\?)([()*?[\]{|}]|^!|[!+@](?=\()|\\(?![!()*+?@[\]{|}]))/g, '\\$2');

const batches = [];
let batch = [];
let size = 0;
for (const f of files.map(asPattern)) {
  if (batch.length > 0 && size + f.length + 1 > MAX_ARG_CHARS) {
    batches.push(batch);
    batch = [];
    size = 0;
  }
  batch.push(f);
  size += f.length + 1;
}
batches.push(batch);

const ignoreFile = path.join(cwd, '.secretlintignore');
// The report goes to a file: secretlint prints it with console.log and then exits at once, which
// cuts a long report short when stdout is a pipe. With --output its exit status is 0 either way.
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-secrets-'));
const reportFile = path.join(tmpDir, 'report.json');
process.on('exit', () => fs.rmSync(tmpDir, { recursive: true, force: true })); // the report holds clear text
const findings = [];
let scanned = 0;
for (const list of batches) {
  const args = [SECRETLINT, '--cwd', cwd, '--secretlintrc', CONFIG, '--format', 'json', '--output', reportFile];
  if (fs.existsSync(ignoreFile)) args.push('--secretlintignore', ignoreFile);
  fs.rmSync(reportFile, { force: true });
  const run = spawnSync(process.execPath, [...args, '--', ...list], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) fail(`could not run secretlint: ${run.error.message}`);
  if (run.status !== 0) fail(`secretlint failed (exit ${run.status ?? run.signal}):\n${(run.stderr || run.stdout).trim()}`);
  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  } catch (err) {
    fail(`could not read secretlint's report: ${err.message}\n${run.stderr.trim()}`);
  }
  if (!Array.isArray(report)) fail(`unexpected secretlint report: ${typeof report}`);
  scanned += report.length;
  for (const result of report) {
    for (const m of result.messages) {
      if (m.severity === 'info') continue;
      findings.push({ file: path.relative(cwd, result.filePath).split(path.sep).join('/'), ...m });
    }
  }
}

const took = `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s${batches.length > 1 ? `, ${batches.length} secretlint runs` : ''}`;
if (findings.length === 0) {
  const skipped = files.length - scanned;
  console.log(
    `secret scan: no secrets found; ${scanned} of ${files.length} tracked files scanned` +
      `${skipped ? `, ${skipped} skipped by .secretlintignore` : ''} (${took})`,
  );
  process.exit(0);
}

const offending = [...new Set(findings.map((f) => f.file))].sort();
// Masked values of long secrets (a PEM key) would be kilobytes of '*'.
const shorten = (s) => s.replace(/\*{8,}/g, '********');
console.error(
  `secret scan: FAILED: ${findings.length} possible secret(s) in ${offending.length} of ${files.length} tracked files (${took})\n`,
);
for (const f of findings) {
  const where = f.loc ? `:${f.loc.start.line}:${f.loc.start.column + 1}` : '';
  console.error(`  ${f.file}${where}  ${shorten(f.message)}  [${f.ruleId}]`);
}
console.error(`\nOffending files:\n${offending.map((f) => `  ${f}`).join('\n')}\n`);
console.error(
  'Remove the secret and take it from the environment instead. If it was ever pushed, rotate it: it stays in git\n' +
    'history. A false positive is narrowed on its own line (`secretlint-disable-line`) or with an `allows` entry\n' +
    'for that rule in .secretlintrc.json, never by ignoring a source folder.',
);
process.exit(1);
