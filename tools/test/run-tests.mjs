#!/usr/bin/env node
// npm test: unit, integration and end-to-end tests against the real broker and database.
// Starts the local Kafka broker if none answers (and stops it again afterwards if it started it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureInstalled, kafkaTools, ROOT } from '../stack/platform.mjs';

ensureInstalled();
const kafka = await kafkaTools();
const broker = await kafka.ensureKafka({ log: (m) => console.log(`[test] kafka: ${m}`) });

const resultsFile = path.join(ROOT, '.data', 'test-results.json');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const jest = spawnSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    '--ci',
    '--maxWorkers=2',
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } },
);

if (!broker.alreadyRunning) await kafka.stopKafka({ log: (m) => console.log(`[test] kafka: ${m}`) });

let summary = null;
try {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  summary = { passed: results.numPassedTests, failed: results.numFailedTests + results.numRuntimeErrorTestSuites };
} catch {
  // jest did not get as far as writing results
}
if (summary) console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(jest.status ?? 1);
