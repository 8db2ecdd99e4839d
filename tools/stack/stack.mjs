#!/usr/bin/env node
// npm run stack:start | stack:stop: the whole platform, detached, for scripts.
import fs from 'node:fs';
import path from 'node:path';
import {
  CONSOLE, CORE_BANKING_SIM, ensureConsoleBuilt, ensureInstalled, isAlive, kafkaTools, LOG_DIR, portOf, readStackPid, say, SERVICES, serviceEnv, spawnService, stackPidFile, STATE_DIR, stopStackService, waitReady,
} from './platform.mjs';

async function start() {
  ensureInstalled();
  await ensureConsoleBuilt();
  const kafka = await kafkaTools();
  const broker = await kafka.ensureKafka({ log: (m) => say(`kafka: ${m}`) });
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(path.join(STATE_DIR, 'kafka-started-by-stack'), broker.alreadyRunning ? 'no' : 'yes');
  const env = serviceEnv();
  const started = [];
  for (const { name } of [CORE_BANKING_SIM, ...SERVICES, CONSOLE]) {
    const running = readStackPid(name);
    if (running && isAlive(running)) {
      say(`${name} already running (pid ${running})`);
      continue;
    }
    const { child } = spawnService(name, { env, detached: true });
    child.unref();
    fs.writeFileSync(stackPidFile(name), `${child.pid}\n`);
    started.push({ name, child });
  }
  await Promise.all(started.map(({ name, child }) => waitReady(name, { child })));
  for (const { name } of SERVICES) say(`${name.padEnd(19)} http://127.0.0.1:${portOf(name)}  (docs: /docs)`);
  say(`${CORE_BANKING_SIM.name.padEnd(19)} http://127.0.0.1:${portOf(CORE_BANKING_SIM.name)}  (simulated core banking ledger)`);
  say(`${CONSOLE.name.padEnd(19)} http://127.0.0.1:${portOf(CONSOLE.name)}  (web console; development login: pick a role)`);
  say(`ready. logs in ${path.relative(process.cwd(), LOG_DIR) || LOG_DIR}; stop with: npm run stack:stop`);
}

async function stop() {
  const results = await Promise.all(
    [CONSOLE, ...SERVICES, CORE_BANKING_SIM].map(async ({ name }) => {
      return `${name}: ${await stopStackService(name)}`;
    }),
  );
  say(`services stopped (${results.join(', ')})`);
  const marker = path.join(STATE_DIR, 'kafka-started-by-stack');
  const startedKafka = !fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') === 'yes';
  if (startedKafka) {
    const kafka = await kafkaTools();
    await kafka.stopKafka({ log: (m) => say(`kafka: ${m}`) });
  }
  fs.rmSync(marker, { force: true });
}

const command = process.argv[2];
const run = command === 'start' ? start : command === 'stop' ? stop : null;
if (!run) {
  console.error('usage: stack.mjs start|stop');
  process.exit(2);
}
run().catch((e) => {
  console.error(`[platform] ${e.stack ?? e}`);
  process.exit(1);
});
