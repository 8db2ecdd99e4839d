#!/usr/bin/env node
// Builds the console's single-page app into dist/apps/console when it is missing or older than
// its sources, so a fresh clone's `npm run demo` serves a current console without a separate step.
// Only Node built-ins at the top level: platform.mjs imports this before dependencies are known to exist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONSOLE_DIR = path.join(ROOT, 'apps', 'console');
export const CONSOLE_DIST = path.join(ROOT, 'dist', 'apps', 'console');
const VITE_CONFIG = path.join(CONSOLE_DIR, 'vite.config.mts');

/** What the bundle is made of: the app's sources and the contracts it imports enumerations from. */
const INPUTS = [
  path.join(CONSOLE_DIR, 'src'),
  path.join(CONSOLE_DIR, 'index.html'),
  path.join(CONSOLE_DIR, 'public'),
  VITE_CONFIG,
  path.join(ROOT, 'libs', 'contracts', 'src'),
  path.join(ROOT, 'package-lock.json'),
];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Why the bundle has to be (re)built, or null when dist/apps/console is current. */
export function staleReason(dist = CONSOLE_DIST) {
  const index = path.join(dist, 'index.html');
  if (!fs.existsSync(index)) return 'not built yet';
  // A deployment carries the built bundle without the sources: nothing to compare, nothing to build.
  if (!fs.existsSync(path.join(CONSOLE_DIR, 'src'))) return null;
  const built = fs.statSync(index).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(input) > built);
  return changed ? `${path.relative(ROOT, changed)} changed since the last build` : null;
}

export function buildConsole({ log = (m) => console.log(`[console] ${m}`), outDir = CONSOLE_DIST } = {}) {
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) throw new Error('vite is not installed: run npm install first');
  const started = Date.now();
  const result = spawnSync(process.execPath, [vite, 'build', '--config', VITE_CONFIG, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error(`the console's build failed (vite exited with ${result.status ?? result.signal})`);
  log(`built the console into ${path.relative(ROOT, outDir)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds only when needed; returns whether it built. */
export function ensureConsoleBuilt({ log = (m) => console.log(`[console] ${m}`), dist = CONSOLE_DIST } = {}) {
  const reason = staleReason(dist);
  if (!reason) return false;
  log(`building the console (${reason}) ...`);
  buildConsole({ log, outDir: dist });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  try {
    if (process.argv.includes('--if-stale')) ensureConsoleBuilt();
    else buildConsole();
  } catch (e) {
    console.error(`[console] ${e.message}`);
    process.exit(1);
  }
}
