// The local platform: installs what is missing, starts Kafka and the six services, stops them.
// Only Node built-ins at the top level: this runs before `npm ci` on a fresh clone.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevIssuer } from '../auth/dev-issuer.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STATE_DIR = path.join(ROOT, '.stack');
export const LOG_DIR = path.join(ROOT, '.data', 'logs');

export const SERVICES = [
  { name: 'intake', port: 3101 },
  { name: 'triage', port: 3102 },
  { name: 'investigation', port: 3103 },
  { name: 'compensation', port: 3104 },
  { name: 'notification', port: 3105 },
  { name: 'compliance-archive', port: 3106 },
];

/** The simulated core banking ledger compensation pays through; a bank points CORE_BANKING_URL at its own. */
export const CORE_BANKING_SIM = { name: 'core-banking-sim', port: 3190, entry: path.join('tools', 'core-banking-sim', 'main.ts') };

/**
 * The web console for handlers, approvers, managers and compliance: serves the single-page app and
 * passes /api/<service>/... to the services' ports, so it starts after the entries above.
 */
export const CONSOLE = { name: 'console', port: 3100, entry: path.join('apps', 'console', 'server.ts') };

/** Processes the platform starts besides the six services, each from its own entry point. */
const NON_SERVICES = [CORE_BANKING_SIM, CONSOLE];

export const portOf = (name, env = process.env) =>
  Number(env[`${name.replace(/-/g, '_').toUpperCase()}_PORT`] ?? [...SERVICES, ...NON_SERVICES].find((s) => s.name === name).port);

export const say = (msg) => console.log(`[platform] ${msg}`);

/**
 * Installs from the lockfile when node_modules is missing or older than it. `npm install` rather
 * than `npm ci`: some registries lack the prebuilt SWC binaries of other platforms, which the
 * lockfile then cannot list, and `npm ci` refuses such a lockfile although nothing is missing here.
 */
export function ensureInstalled() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  say('installing dependencies (npm install from package-lock.json) ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Development secrets, made once per checkout and kept in the git-ignored .data folder. A real
 * deployment passes its own through the environment.
 */
export function devSecrets() {
  const file = path.join(ROOT, '.data', 'dev-secrets.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secrets = {
      PII_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
      PII_PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    };
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  const secrets = JSON.parse(fs.readFileSync(file, 'utf8'));
  // Channel webhook secrets came later: checkouts with an older file get them added.
  if (!secrets.WEBHOOK_SECRETS) {
    const channels = ['branch', 'hotline', 'mobile-app', 'web', 'email', 'chatbot', 'regulator'];
    secrets.WEBHOOK_SECRETS = channels.map((c) => `${c}:${randomBytes(32).toString('base64')}`).join(',');
    secrets.WECHAT_TOKEN = randomBytes(12).toString('hex');
    secrets.WECHAT_APP_ID = 'wx00000000devstack';
    secrets.WECHAT_ENCODING_AES_KEY = randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, 'a').slice(0, 43);
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  // The archive's checkpoint signing key came later still.
  if (!secrets.ARCHIVE_SIGNING_KEY) {
    const { privateKey } = generateKeyPairSync('ed25519');
    secrets.ARCHIVE_SIGNING_KEY = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    secrets.ARCHIVE_SIGNING_KEY_ID = 'dev-archive-1';
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  // The simulated core banking ledger's token came later still.
  if (!secrets.CORE_BANKING_TOKEN) {
    secrets.CORE_BANKING_TOKEN = randomBytes(24).toString('hex');
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  // The archive's master key for customers' data keys (crypto-shredding) came later still.
  if (!secrets.ARCHIVE_SUBJECT_KEYS) {
    secrets.ARCHIVE_SUBJECT_KEYS = `dev1:${randomBytes(32).toString('base64')}`;
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

export function serviceEnv(extra = {}) {
  const secrets = devSecrets();
  return {
    ...process.env,
    PII_KEYS: process.env.PII_KEYS ?? secrets.PII_KEYS,
    PII_PSEUDONYM_KEY: process.env.PII_PSEUDONYM_KEY ?? secrets.PII_PSEUDONYM_KEY,
    WEBHOOK_SECRETS: process.env.WEBHOOK_SECRETS ?? secrets.WEBHOOK_SECRETS,
    WECHAT_TOKEN: process.env.WECHAT_TOKEN ?? secrets.WECHAT_TOKEN,
    WECHAT_APP_ID: process.env.WECHAT_APP_ID ?? secrets.WECHAT_APP_ID,
    WECHAT_ENCODING_AES_KEY: process.env.WECHAT_ENCODING_AES_KEY ?? secrets.WECHAT_ENCODING_AES_KEY,
    // The development mail gateway: an e-mail posted to the stack carries its Authentication-Results.
    ...(process.env.EMAIL_DMARC ? {} : { EMAIL_AUTHSERV_IDS: process.env.EMAIL_AUTHSERV_IDS ?? 'mail-gw.dev.bank.example' }),
    ARCHIVE_SIGNING_KEY: process.env.ARCHIVE_SIGNING_KEY ?? secrets.ARCHIVE_SIGNING_KEY,
    ARCHIVE_SIGNING_KEY_ID: process.env.ARCHIVE_SIGNING_KEY_ID ?? secrets.ARCHIVE_SIGNING_KEY_ID,
    ARCHIVE_SUBJECT_KEYS: process.env.ARCHIVE_SUBJECT_KEYS ?? secrets.ARCHIVE_SUBJECT_KEYS,
    // Short enough that the demo's entries are covered before it ends.
    ARCHIVE_CHECKPOINT_INTERVAL_MS: process.env.ARCHIVE_CHECKPOINT_INTERVAL_MS ?? '5000',
    CORE_BANKING_URL: process.env.CORE_BANKING_URL ?? `http://127.0.0.1:${portOf(CORE_BANKING_SIM.name)}`,
    CORE_BANKING_TOKEN: process.env.CORE_BANKING_TOKEN ?? secrets.CORE_BANKING_TOKEN,
    CORE_BANKING_PORT: String(portOf(CORE_BANKING_SIM.name)),
    ...(process.env.AUTH_JWKS_URL ? {} : ensureDevIssuer()),
    SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    ...extra,
  };
}

/** Starts one service from source; its output goes to a log file (and to the console when attached). */
export function spawnService(name, { env = serviceEnv(), detached = false, logDir = LOG_DIR } = {}) {
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    // SERVICE_NODE_ARGS passes flags Node refuses in NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile under load.
    [
      ...(process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean),
      '--enable-source-maps',
      '-r',
      '@swc-node/register',
      path.join(ROOT, NON_SERVICES.find((s) => s.name === name)?.entry ?? path.join('apps', name, 'src', 'main.ts')),
    ],
    { cwd: ROOT, env, detached, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  return { name, child, logFile };
}

export async function waitReady(name, { env = process.env, timeoutMs = 120_000, child } = {}) {
  const url = `http://127.0.0.1:${portOf(name, env)}/health/ready`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready at ${url} within ${timeoutMs} ms`);
}

export const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Where `stack:start` records the pid of a service it started detached. */
export const stackPidFile = (name) => path.join(STATE_DIR, `${name}.pid`);

export function readStackPid(name) {
  try {
    return Number(fs.readFileSync(stackPidFile(name), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Stops a service `stack:start` started and forgets its pid; says how it ended. */
export async function stopStackService(name) {
  const pid = readStackPid(name);
  const how = pid ? await terminate(pid) : 'not running';
  fs.rmSync(stackPidFile(name), { force: true });
  return how;
}

/** SIGTERM, then wait for the process to finish its in-flight work (SIGKILL after the timeout). */
export async function terminate(pid, timeoutMs = 30_000) {
  if (!isAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || isZombie(pid)) return 'SIGTERM';
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  return 'SIGKILL';
}

function isZombie(pid) {
  try {
    return /\)\s+Z\s/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Builds the console's single-page app when it is missing or older than its sources, before the
 * console starts: its server would otherwise build it itself while the services start on the same cores.
 */
export async function ensureConsoleBuilt() {
  const { ensureConsoleBuilt: build } = await import('../console/build-console.mjs');
  build({ log: (m) => say(`console: ${m}`) });
}

export async function kafkaTools() {
  return import('../kafka/kafka.mjs');
}
