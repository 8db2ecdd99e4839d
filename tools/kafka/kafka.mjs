#!/usr/bin/env node
// Local Apache Kafka (KRaft, single combined broker+controller node) for
// development and tests. No Docker: the broker's jars come from Maven Central
// (tools/kafka/pom.xml -> tools/kafka/.lib/) and run on the machine's java.
//
//   node tools/kafka/kafka.mjs fetch|start|stop|status|reset
//
// Also importable by other ESM scripts:
//   import { ensureKafka, startKafka, stopKafka, kafkaStatus } from '../kafka/kafka.mjs';
//
// Only node built-ins are used, except that the readiness probe uses kafkajs
// (from the repo's node_modules, imported lazily) when it is installed, and a
// raw Metadata request over a socket when it is not.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
const POM = path.join(HERE, 'pom.xml');
const LOG4J = path.join(HERE, 'log4j.properties');
export const LIB_DIR = path.join(HERE, '.lib');
const MARKER = path.join(LIB_DIR, '.fetched');
const HOST = '127.0.0.1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const defaultLog = (msg) => console.log(`[kafka] ${msg}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;

// ---------------------------------------------------------------- config --

function intFrom(value, fallback, name) {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${value}'`);
  return n;
}

function portFrom(value, fallback, name) {
  const n = intFrom(value, fallback, name);
  if (n < 1 || n > 65535) throw new Error(`${name} must be a TCP port (1-65535), got '${value}'`);
  return n;
}

/** The pinned Kafka version, read from pom.xml (the single place to bump it). */
export function kafkaVersion() {
  const m = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m) throw new Error(`no <kafka.version> property in ${POM}`);
  return m[1];
}

/**
 * Resolved settings. opts override env vars, which override defaults.
 * A relative KAFKA_DATA_DIR / opts.dataDir is taken relative to the repo root.
 */
export function kafkaConfig(opts = {}) {
  const env = process.env;
  const port = portFrom(opts.port ?? env.KAFKA_PORT, 9092, 'KAFKA_PORT');
  const controllerPort = portFrom(opts.controllerPort ?? env.KAFKA_CONTROLLER_PORT, 9093, 'KAFKA_CONTROLLER_PORT');
  if (port === controllerPort) throw new Error(`KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ (both ${port})`);
  const dataDir = path.resolve(REPO_ROOT, opts.dataDir ?? env.KAFKA_DATA_DIR ?? path.join('.data', 'kafka'));
  const numPartitions = intFrom(opts.numPartitions ?? env.KAFKA_NUM_PARTITIONS, 3, 'KAFKA_NUM_PARTITIONS') || 1;
  return {
    host: HOST,
    port,
    controllerPort,
    bootstrap: `${HOST}:${port}`,
    dataDir,
    logsDir: path.join(dataDir, 'logs'),
    propsFile: path.join(dataDir, 'server.properties'),
    pidFile: path.join(dataDir, 'kafka.pid'),
    outFile: path.join(dataDir, 'kafka.out'),
    lockFile: path.join(dataDir, 'start.lock'),
    numPartitions,
    startTimeoutMs: intFrom(opts.startTimeoutMs ?? env.KAFKA_START_TIMEOUT_MS, 90_000, 'KAFKA_START_TIMEOUT_MS'),
    stopTimeoutMs: intFrom(opts.stopTimeoutMs ?? env.KAFKA_STOP_TIMEOUT_MS, 60_000, 'KAFKA_STOP_TIMEOUT_MS'),
    heapOpts: (opts.heapOpts ?? env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx768m').split(/\s+/).filter(Boolean),
    extraJvmOpts: (opts.jvmOpts ?? env.KAFKA_OPTS ?? '').split(/\s+/).filter(Boolean),
  };
}

// ----------------------------------------------------------------- fetch --

function markerText() {
  const pomHash = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  return `kafka_2.13:${kafkaVersion()}\npom-sha256:${pomHash}\n`;
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Repo-relative when inside the repo, absolute otherwise. */
function displayPath(p) {
  const rel = path.relative(REPO_ROOT, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function lastLines(text, n) {
  return String(text ?? '').trimEnd().split('\n').slice(-n).join('\n');
}

/** True when tools/kafka/.lib holds the jars of the version pinned in pom.xml. */
export function isFetched() {
  return readText(MARKER) === markerText();
}

/**
 * Copy the broker's jars into tools/kafka/.lib with the machine's mvn.
 * A no-op (no mvn run) when the marker says the pinned version is there.
 */
export function fetchKafka({ log = defaultLog, force = false } = {}) {
  const want = markerText();
  if (!force && readText(MARKER) === want) return { fetched: false, libDir: LIB_DIR };

  const version = kafkaVersion();
  const tmp = `${LIB_DIR}.partial-${process.pid}`;
  for (const name of fs.readdirSync(HERE)) {
    const m = /^\.lib\.partial-(\d+)$/.exec(name); // left behind by an interrupted fetch
    if (m && (Number(m[1]) === process.pid || !isAlive(Number(m[1])))) {
      fs.rmSync(path.join(HERE, name), { recursive: true, force: true });
    }
  }
  log(`fetching Kafka ${version} jars with Maven into ${displayPath(LIB_DIR)}/ ...`);
  const t0 = Date.now();
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'],
    { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const why = r.error?.code === 'ENOENT' ? 'mvn not found on PATH' : `mvn exited with ${r.status ?? r.signal}`;
    throw new Error(`fetching Kafka jars failed: ${why}\n${lastLines(`${r.stdout ?? ''}${r.stderr ?? ''}`, 40)}`);
  }
  if (!fs.existsSync(path.join(tmp, `kafka_2.13-${version}.jar`))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`mvn succeeded but kafka_2.13-${version}.jar is not in its output`);
  }
  fs.writeFileSync(path.join(tmp, '.fetched'), want);

  // Swap in atomically, so a concurrent fetch or a half-finished one never
  // leaves a mixed or partial classpath behind.
  if (readText(MARKER) === want) {
    fs.rmSync(tmp, { recursive: true, force: true }); // someone else finished first
  } else {
    fs.rmSync(LIB_DIR, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, LIB_DIR);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (readText(MARKER) !== want) throw e;
    }
  }
  log(`fetched Kafka ${version} (${fs.readdirSync(LIB_DIR).filter((f) => f.endsWith('.jar')).length} jars) in ${secs(Date.now() - t0)}`);
  return { fetched: true, libDir: LIB_DIR };
}

// ------------------------------------------------------------- processes --

function readPid(file) {
  const n = Number.parseInt(readText(file)?.trim() ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped) still answers kill(0).
  const stat = readText(`/proc/${pid}/stat`);
  if (stat) {
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  }
  return true;
}

function cmdlineOf(pid) {
  const raw = readText(`/proc/${pid}/cmdline`);
  return raw === null ? null : raw.split('\0');
}

/** Is pid alive and the broker started for this config (guards against pid reuse)? */
function isOurBroker(pid, cfg) {
  if (!pid || !isAlive(pid)) return false;
  const argv = cmdlineOf(pid);
  if (argv === null) return process.platform !== 'linux'; // no /proc: trust the pid file
  return argv.includes('kafka.Kafka') && argv.includes(cfg.propsFile);
}

/** Brokers started for this config's server.properties, found via /proc (Linux only). */
function findBrokerPids(cfg) {
  if (process.platform !== 'linux') return [];
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && isOurBroker(pid, cfg));
}

/** Pid of the running broker of this config, or null (a stale pid file is removed). */
function runningPid(cfg) {
  const pid = readPid(cfg.pidFile);
  if (pid && isOurBroker(pid, cfg)) return pid;
  if (pid) fs.rmSync(cfg.pidFile, { force: true });
  const found = findBrokerPids(cfg)[0];
  if (found) {
    fs.writeFileSync(cfg.pidFile, `${found}\n`); // adopt a broker whose pid file was lost
    return found;
  }
  return null;
}

function tailOut(cfg, n = 40) {
  const text = readText(cfg.outFile);
  return text === null ? `(no ${cfg.outFile})` : lastLines(text, n);
}

// ----------------------------------------------------------------- probe --

let kafkajsPromise;
function loadKafkajs() {
  kafkajsPromise ??= import('kafkajs').then(
    (m) => m.default ?? m,
    () => null,
  );
  return kafkajsPromise;
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function probeWithKafkajs(kafkajs, cfg, timeoutMs) {
  const { Kafka, logLevel } = kafkajs;
  const kafka = new Kafka({
    clientId: 'tools-kafka-probe',
    brokers: [cfg.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(1000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await withTimeout(admin.connect(), timeoutMs);
    const info = await withTimeout(admin.describeCluster(), timeoutMs);
    return { ok: info.brokers.length > 0, brokers: info.brokers.length, clusterId: info.clusterId };
  } catch {
    return { ok: false };
  } finally {
    admin.disconnect().catch(() => {});
  }
}

// Fallback when kafkajs is not installed: Metadata v1 request for no topics;
// the broker answers with its broker list once it serves requests.
function probeRaw(cfg, timeoutMs) {
  return new Promise((resolve) => {
    const clientId = Buffer.from('tools-kafka-probe');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
    let o = body.writeInt16BE(3, 0); // api key: Metadata
    o = body.writeInt16BE(1, o); // api version 1
    o = body.writeInt32BE(1, o); // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    body.writeInt32BE(0, o); // zero topics
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);

    let buf = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host: cfg.host, port: cfg.port });
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false }), timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 12 && buf.length >= 4 + buf.readInt32BE(0)) {
        const brokers = buf.readInt32BE(8);
        finish({ ok: brokers > 0, brokers });
      }
    });
    sock.on('error', () => finish({ ok: false }));
    sock.on('close', () => finish({ ok: false }));
  });
}

/** Does a broker answer on cfg's port? Asks it for cluster metadata. */
export async function brokerAnswers(opts = {}, timeoutMs = 1500) {
  const cfg = opts.bootstrap ? opts : kafkaConfig(opts);
  const kafkajs = await loadKafkajs();
  return kafkajs ? probeWithKafkajs(kafkajs, cfg, timeoutMs) : probeRaw(cfg, timeoutMs);
}

function portTaken(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (v) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => done(true));
    sock.on('error', () => done(false));
  });
}

// ------------------------------------------------------------ start/stop --

async function withStartLock(cfg, fn) {
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  const deadline = Date.now() + cfg.startTimeoutMs + 30_000;
  for (;;) {
    try {
      fs.writeFileSync(cfg.lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = readPid(cfg.lockFile);
    let age = 0;
    try {
      age = Date.now() - fs.statSync(cfg.lockFile).mtimeMs;
    } catch {
      continue; // just released
    }
    if ((holder && !isAlive(holder)) || (!holder && age > 5000)) {
      fs.rmSync(cfg.lockFile, { force: true }); // left behind by a dead process
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${cfg.lockFile} (held by pid ${holder})`);
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    if (readPid(cfg.lockFile) === process.pid) fs.rmSync(cfg.lockFile, { force: true });
  }
}

function serverProperties(cfg) {
  return `# Generated by tools/kafka/kafka.mjs on every start; edit the script, not this file.
# Single-node KRaft (combined broker + controller) for local development.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${cfg.controllerPort}
listeners=PLAINTEXT://${HOST}:${cfg.port},CONTROLLER://${HOST}:${cfg.controllerPort}
advertised.listeners=PLAINTEXT://${HOST}:${cfg.port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${cfg.logsDir}

# Topics are created explicitly by the services / tests.
auto.create.topics.enable=false
num.partitions=${cfg.numPartitions}
default.replication.factor=1
min.insync.replicas=1

# Internal topics: one node, and fewer partitions than the defaults (50) so the
# first consumer group / transaction is quick on a small box.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0

# Small footprint for a dev box.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=16777216
log.retention.hours=24
log.retention.bytes=104857600
log.segment.bytes=16777216
log.retention.check.interval.ms=60000
`;
}

function javaArgs(cfg, mainClass, args, { heap = true } = {}) {
  return [
    ...(heap ? cfg.heapOpts : ['-Xmx256m']),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(LOG4J).href}`,
    ...(heap ? cfg.extraJvmOpts : []),
    '-cp',
    path.join(LIB_DIR, '*'), // expanded by the java launcher, not a shell
    mainClass,
    ...args,
  ];
}

function checkJava() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`java not found on PATH (Kafka ${kafkaVersion()} needs Java 11+): ${r.error.message}`);
}

/** Kafka cluster ids are 16 random bytes, base64url without padding. */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorageIfNeeded(cfg, log) {
  if (fs.existsSync(path.join(cfg.logsDir, 'meta.properties'))) return false;
  const clusterId = randomClusterId();
  log(`formatting ${displayPath(cfg.logsDir)} (cluster id ${clusterId})`);
  const r = spawnSync(
    'java',
    javaArgs(cfg, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', cfg.propsFile], { heap: false }),
    { cwd: cfg.dataDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error || r.status !== 0) {
    throw new Error(`kafka-storage format failed (${r.error?.message ?? `exit ${r.status}`}):\n${lastLines(`${r.stdout}${r.stderr}`, 30)}`);
  }
  return true;
}

async function killAndWait(pid, timeoutMs) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'SIGTERM';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return 'SIGKILL';
}

async function waitReady(cfg, pid, log, exited = () => null) {
  const t0 = Date.now();
  const deadline = t0 + cfg.startTimeoutMs;
  for (;;) {
    const gone = exited() ?? (isAlive(pid) ? null : {});
    if (gone) {
      if (readPid(cfg.pidFile) === pid) fs.rmSync(cfg.pidFile, { force: true });
      const how = gone.code != null ? ` with exit code ${gone.code}` : gone.signal ? ` on ${gone.signal}` : '';
      throw new Error(`Kafka broker (pid ${pid}) exited${how} before it was ready. Last lines of ${cfg.outFile}:\n${tailOut(cfg)}`);
    }
    if ((await brokerAnswers(cfg, 1000)).ok) return Date.now() - t0;
    if (Date.now() > deadline) {
      await killAndWait(pid, 10_000);
      if (readPid(cfg.pidFile) === pid) fs.rmSync(cfg.pidFile, { force: true });
      throw new Error(
        `Kafka broker (pid ${pid}) did not answer on ${cfg.bootstrap} within ${secs(cfg.startTimeoutMs)}; stopped it. ` +
          `Last lines of ${cfg.outFile}:\n${tailOut(cfg)}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Start the broker unless it already runs; resolves once it answers.
 * opts: { port, controllerPort, dataDir, numPartitions, startTimeoutMs, heapOpts, jvmOpts, log }
 * Resolves to { bootstrap, pid, alreadyRunning, external?, readyMs? }.
 */
export async function startKafka(opts = {}) {
  const cfg = kafkaConfig(opts);
  const log = opts.log ?? defaultLog;
  fetchKafka({ log });

  return withStartLock(cfg, async () => {
    const base = { bootstrap: cfg.bootstrap, dataDir: cfg.dataDir };
    const existing = runningPid(cfg);
    if (existing) {
      if ((await brokerAnswers(cfg)).ok) {
        log(`already running (pid ${existing}) on ${cfg.bootstrap}`);
        return { ...base, pid: existing, alreadyRunning: true };
      }
      log(`broker pid ${existing} is up but not answering yet; waiting for it`);
      const readyMs = await waitReady(cfg, existing, log);
      log(`ready on ${cfg.bootstrap} (pid ${existing})`);
      return { ...base, pid: existing, alreadyRunning: true, readyMs };
    }

    if (await portTaken(cfg.host, cfg.port)) {
      if ((await brokerAnswers(cfg)).ok) {
        log(`a broker not started by this script already answers on ${cfg.bootstrap}; using it`);
        return { ...base, pid: null, alreadyRunning: true, external: true };
      }
      throw new Error(`port ${cfg.port} is in use by something that is not a Kafka broker (set KAFKA_PORT)`);
    }
    if (await portTaken(cfg.host, cfg.controllerPort)) {
      throw new Error(`controller port ${cfg.controllerPort} is in use (set KAFKA_CONTROLLER_PORT)`);
    }

    checkJava();
    fs.mkdirSync(cfg.logsDir, { recursive: true });
    fs.writeFileSync(cfg.propsFile, serverProperties(cfg));
    formatStorageIfNeeded(cfg, log);

    if (fs.existsSync(cfg.outFile)) fs.renameSync(cfg.outFile, `${cfg.outFile}.1`);
    const out = fs.openSync(cfg.outFile, 'a');
    const t0 = Date.now();
    let exited = null;
    let child;
    try {
      child = spawn('java', javaArgs(cfg, 'kafka.Kafka', [cfg.propsFile]), {
        cwd: cfg.dataDir,
        detached: true,
        stdio: ['ignore', out, out],
      });
    } finally {
      fs.closeSync(out);
    }
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    child.on('error', (error) => {
      exited = { error };
    });
    child.unref();
    if (!child.pid) throw new Error('could not launch java');
    fs.writeFileSync(cfg.pidFile, `${child.pid}\n`);
    log(`started Kafka ${kafkaVersion()} (pid ${child.pid}), waiting for it to answer on ${cfg.bootstrap} ...`);

    await waitReady(cfg, child.pid, log, () => exited);
    const readyMs = Date.now() - t0;
    log(`ready on ${cfg.bootstrap} in ${secs(readyMs)} (data: ${displayPath(cfg.dataDir)})`);
    return { ...base, pid: child.pid, alreadyRunning: false, readyMs };
  });
}

/** A broker that answers: the running one, or a freshly started one. */
export async function ensureKafka(opts = {}) {
  const cfg = kafkaConfig(opts);
  if ((await brokerAnswers(cfg)).ok) {
    return { bootstrap: cfg.bootstrap, dataDir: cfg.dataDir, pid: runningPid(cfg), alreadyRunning: true };
  }
  return startKafka(opts);
}

/** Stop the broker of this config if it runs (SIGTERM, then SIGKILL after stopTimeoutMs). */
export async function stopKafka(opts = {}) {
  const cfg = kafkaConfig(opts);
  const log = opts.log ?? defaultLog;
  const pids = new Set();
  const fromFile = readPid(cfg.pidFile);
  if (fromFile && isOurBroker(fromFile, cfg)) pids.add(fromFile);
  for (const pid of findBrokerPids(cfg)) pids.add(pid);

  if (pids.size === 0) {
    fs.rmSync(cfg.pidFile, { force: true });
    log('not running');
    return { stopped: false, pids: [] };
  }
  const t0 = Date.now();
  const how = await Promise.all([...pids].map((pid) => killAndWait(pid, cfg.stopTimeoutMs)));
  fs.rmSync(cfg.pidFile, { force: true });
  const still = [...pids].filter(isAlive);
  if (still.length) throw new Error(`could not stop Kafka broker pid(s) ${still.join(', ')}`);
  const forced = how.includes('SIGKILL') ? ' (had to SIGKILL)' : '';
  log(`stopped (pid ${[...pids].join(', ')}) in ${secs(Date.now() - t0)}${forced}`);
  return { stopped: true, pids: [...pids], forced: Boolean(forced) };
}

/** { running, pid, answering, bootstrap, dataDir } */
export async function kafkaStatus(opts = {}) {
  const cfg = kafkaConfig(opts);
  const pid = runningPid(cfg);
  const answering = (await brokerAnswers(cfg)).ok;
  return { running: Boolean(pid), pid, answering, bootstrap: cfg.bootstrap, dataDir: cfg.dataDir };
}

/** Stop the broker and delete its data dir. */
export async function resetKafka(opts = {}) {
  const cfg = kafkaConfig(opts);
  const log = opts.log ?? defaultLog;
  await stopKafka(opts);
  fs.rmSync(cfg.dataDir, { recursive: true, force: true });
  log(`deleted ${cfg.dataDir}`);
}

// ------------------------------------------------------------------- CLI --

const USAGE = `usage: node tools/kafka/kafka.mjs <command>

  fetch    download the Kafka jars into tools/kafka/.lib (no-op when present)
  start    start the local broker and wait until it answers (no-op when running)
  stop     stop the broker (no-op when not running)
  status   print whether it runs and answers; exit 0 if answering, 3 if not
  reset    stop the broker and delete its data dir

env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (<repo>/.data/kafka),
     KAFKA_NUM_PARTITIONS (3), KAFKA_START_TIMEOUT_MS (90000), KAFKA_STOP_TIMEOUT_MS (60000),
     KAFKA_HEAP_OPTS (-Xms256m -Xmx768m), KAFKA_OPTS (extra JVM options)`;

async function main(argv) {
  const cmd = argv[0];
  switch (cmd) {
    case 'fetch': {
      const r = fetchKafka();
      if (!r.fetched) defaultLog(`Kafka ${kafkaVersion()} jars already in ${displayPath(LIB_DIR)}/`);
      return 0;
    }
    case 'start':
      await startKafka();
      return 0;
    case 'stop':
      await stopKafka();
      return 0;
    case 'status': {
      const s = await kafkaStatus();
      const state = s.running ? `running (pid ${s.pid})` : 'stopped';
      const answer = s.answering ? `answering on ${s.bootstrap}` : `not answering on ${s.bootstrap}`;
      const note = !s.running && s.answering ? ' (a broker not started by this script)' : '';
      console.log(`[kafka] ${state}, ${answer}${note}; data: ${s.dataDir}`);
      return s.answering ? 0 : 3;
    }
    case 'reset':
      await resetKafka();
      return 0;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      console.log(USAGE);
      return cmd ? 0 : 2;
    default:
      console.error(`unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[kafka] ${err?.message ?? err}`);
      process.exit(1);
    },
  );
}
