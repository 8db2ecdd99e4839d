/**
 * Proves that tools/secrets/scan-secrets.mjs (the CI secret scan) really catches secrets.
 *
 * Every case builds a throw-away git repository in the OS temp folder and runs the script on it
 * with `--cwd`, exactly as CI runs it on the checkout. The fake secrets are made at test time
 * (a fresh RSA key, a random AWS-shaped secret key), so this file holds no literal that secretlint
 * flags and the repository itself still passes the scan. The control cases make sure the test
 * cannot pass just because the script fails on everything.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Each scan starts secretlint in a fresh Node process (about a second).
jest.setTimeout(60_000);

const SCRIPT = path.resolve(__dirname, 'scan-secrets.mjs');

/** A PEM private key block, freshly generated. */
const fakePrivateKey = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** 40 random characters in the shape of an AWS secret access key (ends alphanumeric, as real ones mostly do). */
function fakeAwsSecretKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const body = [...randomBytes(40)].map((b) => alphabet[b % alphabet.length]);
  body[17] = '/';
  return body.join('');
}

let repo: string;

function git(...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=Secret Scan Spec', '-c', 'user.email=spec@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd: repo, stdio: 'pipe' },
  );
}

function write(files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
}

function commit(files: Record<string, string>): void {
  write(files);
  git('add', '--', ...Object.keys(files));
  git('commit', '-q', '--no-verify', '-m', 'spec');
}

function scan(env: Record<string, string> = {}): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--cwd', repo], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-secrets-spec-'));
  git('init', '-q');
});

afterEach(() => {
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('secret scan (tools/secrets/scan-secrets.mjs)', () => {
  it('control: a repository of clean files passes', () => {
    commit({
      'README.md': '# demo\n\nSecrets come from the environment: PII_KEYS, PII_PSEUDONYM_KEY.\n',
      'src/config.ts': "export const piiKeys = process.env.PII_KEYS ?? '';\n",
    });
    const { status, output } = scan();
    expect(output).toMatch(/no secrets found; 2 of 2 tracked files scanned/);
    expect(status).toBe(0);
  });

  it('fails on a committed PEM private key, names the file and does not print the key', () => {
    const key = fakePrivateKey();
    commit({ 'README.md': '# demo\n', 'config/signing-key.pem': key });
    const { status, output } = scan();
    expect(status).toBe(1);
    expect(output).toMatch(/FAILED: 1 possible secret\(s\) in 1 of 2 tracked files/);
    expect(output).toMatch(/Offending files:\n {2}config\/signing-key\.pem\n/);
    expect(output).toContain('@secretlint/secretlint-rule-privatekey');
    expect(output).not.toContain(key.split('\n')[1]);
  });

  it('fails on a committed AWS secret access key, names the file and line, and masks the value', () => {
    const secret = fakeAwsSecretKey();
    commit({
      'src/ok.ts': 'export const ok = 1;\n',
      'deploy/prod.env': `AWS_REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=${secret}\n`,
    });
    const { status, output } = scan();
    expect(status).toBe(1);
    expect(output).toContain('deploy/prod.env:2:');
    expect(output).toMatch(/Offending files:\n {2}deploy\/prod\.env\n\n/);
    expect(output).toContain('@secretlint/secretlint-rule-aws');
    expect(output).not.toContain(secret);
  });

  it('scans staged files too, not only committed ones', () => {
    commit({ 'README.md': '# demo\n' });
    write({ 'keys/staged.pem': fakePrivateKey() });
    git('add', 'keys/staged.pem');
    const { status, output } = scan();
    expect(status).toBe(1);
    expect(output).toMatch(/Offending files:\n {2}keys\/staged\.pem\n/);
  });

  it('ignores files git does not track: untracked and git-ignored local secrets', () => {
    commit({ '.gitignore': '.data/\n', 'README.md': '# demo\n' });
    write({
      '.data/dev-secrets.json': JSON.stringify({ key: fakePrivateKey() }),
      'scratch/notes.env': `AWS_SECRET_ACCESS_KEY=${fakeAwsSecretKey()}\n`,
    });
    const { status, output } = scan();
    expect(output).toMatch(/no secrets found; 2 of 2 tracked files scanned/);
    expect(status).toBe(0);
  });

  it('honours .secretlintignore in the scanned repository', () => {
    commit({
      '.secretlintignore': 'vendor/\n',
      'vendor/fixture.pem': fakePrivateKey(),
      'src/ok.ts': 'export const ok = 1;\n',
    });
    const { status, output } = scan();
    expect(output).toMatch(/2 of 3 tracked files scanned, 1 skipped by \.secretlintignore/);
    expect(status).toBe(0);
  });

  it('still finds the secret when the file list is split into several secretlint runs, with glob-like names', () => {
    const clean: Record<string, string> = {};
    for (let i = 0; i < 30; i++) clean[`src/module-${String(i).padStart(2, '0')}.ts`] = `export const n${i} = ${i};\n`;
    commit({ ...clean, 'src/routes/[id] (copy).env': `AWS_SECRET_ACCESS_KEY=${fakeAwsSecretKey()}\n` });
    // 17 characters per clean path: five files per run, the odd name (sorted last) in the last run.
    const { status, output } = scan({ SCAN_SECRETS_MAX_ARG_CHARS: '100' });
    expect(status).toBe(1);
    expect(output).toMatch(/1 possible secret\(s\) in 1 of 31 tracked files \(\d+\.\d s, 7 secretlint runs\)/);
    expect(output).toMatch(/Offending files:\n {2}src\/routes\/\[id\] \(copy\)\.env\n/);
  });

  it('exits 2, not 0, when the scan cannot run', () => {
    const run = (dir: string) =>
      spawnSync(process.execPath, [SCRIPT, '--cwd', dir], {
        encoding: 'utf8',
        env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(repo) },
      });
    const missing = run(path.join(repo, 'missing'));
    expect(missing.stderr).toMatch(/secret scan: not a directory: /);
    expect(missing.status).toBe(2);

    fs.rmSync(path.join(repo, '.git'), { recursive: true });
    const notARepo = run(repo);
    expect(notARepo.stderr).toMatch(/secret scan: git ls-files failed in .*not a git repository/is);
    expect(notARepo.status).toBe(2);
  });
});
