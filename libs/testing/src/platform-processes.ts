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
  for (const name of SERVICES) {
    const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'apps', name, 'src', 'main.ts')], {
      cwd: ROOT,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        ...secrets,
        SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
        PORT: String(ports[name]),
        DATABASE_URL: TEST_DATABASE_URL,
        DB_SCHEMA: schemas[name],
        DB_POOL_SIZE: '4',
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PARTITIONS: '3',
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
      },
    });
    fs.closeSync(out);
    children.set(name, child);
    exits.set(name, new Promise((resolve) => child.on('exit', (code) => resolve(code))));
  }
  const url = (service: ServiceName, route: string) => `http://127.0.0.1:${ports[service]}${route}`;
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
    await Promise.all(
      SERVICES.map((name) =>
        eventually(
          async () => {
            if (children.get(name)!.exitCode !== null) throw new Error(`${name} exited; see ${logDir}/${name}.log`);
            const res = await fetch(url(name, '/health/ready'));
            return res.status === 200;
          },
          { timeoutMs: 120_000, intervalMs: 250, what: `${name} to be ready` },
        ),
      ),
    );
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
