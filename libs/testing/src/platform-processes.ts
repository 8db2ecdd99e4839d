import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SERVICES, ServiceName } from '@complaints/contracts';
import type { Client } from 'pg';
import { dropRoleIfExists, eventually } from './harness';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './environment';
import { createTestIssuer, TestIssuer } from './test-issuer';

const ROOT = path.resolve(__dirname, '../../..');

export interface RunningPlatform {
  id: string;
  ports: Record<ServiceName, number>;
  logDir: string;
  schemas: Record<ServiceName, string>;
  /** The simulated core banking ledger compensation pays through (its own process and schema). */
  coreBanking: { url: string; token: string; schema: string };
  topicPrefix: string;
  /** The issuer the services trust: `platform.issuer.token('investigator')`. */
  issuer: TestIssuer;
  url(service: ServiceName, route: string): string;
  exitCodes(): Promise<Record<ServiceName, number | null>>;
  pid(service: ServiceName): number;
  /** Stops one service (SIGKILL by default: no shutdown hooks) and waits until it is gone. */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again with the same environment, schema and port, and waits until it is ready. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<Record<ServiceName, number | null>>;
}

/** A port nothing listens on right now, for a process the test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the six services as real processes, each with its own schema and port and a topic
 * prefix of this run, against the real broker and database.
 */
export async function startPlatform(id: string, extraEnv: Record<string, string> = {}): Promise<RunningPlatform> {
  const issuer = await createTestIssuer(id);
  const logDir = path.join(ROOT, '.data', 'test-logs', id);
  fs.mkdirSync(logDir, { recursive: true });
  const ports = {} as Record<ServiceName, number>;
  const schemas = {} as Record<ServiceName, string>;
  for (const name of SERVICES) {
    ports[name] = await freePort();
    schemas[name] = `${id}_${name.replace(/-/g, '_')}`;
  }
  const topicPrefix = `${id}.`;
  const secrets = {
    PII_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
    PII_PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    ARCHIVE_SUBJECT_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
  };
  const coreBanking = { port: await freePort(), token: randomBytes(16).toString('hex'), schema: `${id}_core_banking` };
  const coreOut = fs.openSync(path.join(logDir, 'core-banking-sim.log'), 'a');
  const coreChild = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'tools', 'core-banking-sim', 'main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', coreOut, coreOut],
    env: {
      ...process.env,
      SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      CORE_BANKING_PORT: String(coreBanking.port),
      CORE_BANKING_DATABASE_URL: TEST_DATABASE_URL,
      CORE_BANKING_SCHEMA: coreBanking.schema,
      CORE_BANKING_TOKEN: coreBanking.token,
      ...Object.fromEntries(Object.entries(extraEnv).filter(([k]) => k.startsWith('CORE_BANKING_'))),
    },
  });
  fs.closeSync(coreOut);
  const coreBankingUrl = `http://127.0.0.1:${coreBanking.port}`;
  const children = new Map<ServiceName, ChildProcess>();
  const exits = new Map<ServiceName, Promise<number | null>>();
  const serviceEnv = (name: ServiceName): NodeJS.ProcessEnv => ({
    ...process.env,
    ...secrets,
    SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    PORT: String(ports[name]),
    DATABASE_URL: TEST_DATABASE_URL,
    DB_SCHEMA: schemas[name],
    DB_POOL_SIZE: '4',
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    // 3 unless the caller says (the load bench: KAFKA_TOPIC_PARTITIONS=1 compares partition counts).
    KAFKA_TOPIC_PARTITIONS: process.env.KAFKA_TOPIC_PARTITIONS ?? '3',
    TOPIC_PREFIX: topicPrefix,
    OUTBOX_POLL_MS: '200',
    // Journeys follow routed complaints; the triage queue has its own tests (triage-decisions).
    TRIAGE_MIN_CONFIDENCE: '0',
    EVIDENCE_DIR: path.join(ROOT, '.data', 'evidence', id),
    CORE_BANKING_URL: coreBankingUrl,
    CORE_BANKING_TOKEN: coreBanking.token,
    PAYOUT_CHECK_INTERVAL_MS: '300',
    ...issuer.env,
    ...extraEnv,
  });
  const instances = new Map<ServiceName, string>();
  const spawnOne = (name: ServiceName) => {
    const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    const instance = `${id}-${name}-${randomBytes(4).toString('hex')}`;
    instances.set(name, instance);
    // SERVICE_NODE_ARGS as in tools/stack/platform.mjs, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the services under a bench's load.
    const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', path.join(ROOT, 'apps', name, 'src', 'main.ts')], {
      cwd: ROOT,
      stdio: ['ignore', out, out],
      env: { ...serviceEnv(name), INSTANCE_ID: instance },
    });
    fs.closeSync(out);
    children.set(name, child);
    exits.set(name, new Promise((resolve) => child.on('exit', (code) => resolve(code))));
    return child;
  };
  for (const name of SERVICES) spawnOne(name);
  const url = (service: ServiceName, route: string) => `http://127.0.0.1:${ports[service]}${route}`;
  /**
   * Ready means this process answers on its port: another run on the machine may have taken the
   * port between choosing and binding it, and then the service is started again on a fresh one.
   */
  const ready = async (name: ServiceName): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await eventually(
          async () => {
            if (children.get(name)!.exitCode !== null) throw new Error(`${name} exited; see ${logDir}/${name}.log`);
            const res = await fetch(url(name, '/health/ready'));
            const body = (await res.json().catch(() => ({}))) as { instance?: string };
            return res.status === 200 && body.instance === instances.get(name);
          },
          { timeoutMs: 120_000, intervalMs: 250, what: `${name} to be ready` },
        );
        return;
      } catch (e) {
        const log = fs.readFileSync(path.join(logDir, `${name}.log`), 'utf8');
        if (attempt >= 3 || !log.includes('EADDRINUSE')) throw e;
        await exits.get(name);
        ports[name] = await freePort();
        spawnOne(name);
      }
    }
  };
  const collectExits = async () => {
    const codes = {} as Record<ServiceName, number | null>;
    for (const name of SERVICES) codes[name] = await exits.get(name)!;
    return codes;
  };
  const platform: RunningPlatform = {
    id,
    ports,
    logDir,
    schemas,
    coreBanking: { url: coreBankingUrl, token: coreBanking.token, schema: coreBanking.schema },
    topicPrefix,
    issuer,
    url,
    exitCodes: collectExits,
    pid: (name) => children.get(name)!.pid!,
    async kill(name, signal = 'SIGKILL') {
      const child = children.get(name)!;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = exits.get(name)!;
      child.kill(signal);
      await gone;
    },
    async restart(name) {
      const child = children.get(name)!;
      if (child.exitCode === null && child.signalCode === null) throw new Error(`${name} is still running; kill it first`);
      spawnOne(name);
      await ready(name);
    },
    async stop() {
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
      const codes = await collectExits();
      if (coreChild.exitCode === null) {
        const gone = new Promise((resolve) => coreChild.once('exit', resolve));
        coreChild.kill('SIGTERM');
        await gone;
      }
      return codes;
    },
  };
  try {
    await eventually(
      async () => {
        if (coreChild.exitCode !== null) throw new Error(`the core banking simulator exited; see ${logDir}/core-banking-sim.log`);
        return (await fetch(`${coreBankingUrl}/health/ready`)).status === 200;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'the core banking simulator to be ready' },
    );
    await Promise.all(SERVICES.map((name) => ready(name)));
  } catch (e) {
    await platform.stop();
    throw e;
  }
  return platform;
}

/**
 * Removes what a platform left in the database: every service's schema and the archive's writer
 * role (its migrations create one per schema; roles outlive schemas).
 */
export async function dropPlatformData(pg: Client, platform: RunningPlatform): Promise<void> {
  for (const schema of [...Object.values(platform.schemas), platform.coreBanking.schema]) await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await dropRoleIfExists(pg, `${platform.schemas['compliance-archive']}_writer`);
}
