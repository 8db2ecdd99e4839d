#!/usr/bin/env node
// Runs a TypeScript entry point with SWC's register hook (decorator metadata included), so the
// services and tools run from source without a separate build step.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--enable-source-maps', '-r', '@swc-node/register', resolve(root, entry), ...args], {
  stdio: 'inherit',
  cwd: process.cwd(),
  env: { SWC_NODE_PROJECT: resolve(root, 'tsconfig.json'), ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
