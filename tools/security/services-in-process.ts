import path from 'node:path';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ServiceName } from '@complaints/contracts';
import { RunningService, ServiceDefinition, startService } from '@complaints/platform';
import { createTestIssuer, dropRoleIfExists, eventually, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TestIssuer, uniqueTestId } from '@complaints/testing';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { compensationService } from '../../apps/compensation/src/main';
import { intakeService } from '../../apps/intake/src/main';
import { investigationService } from '../../apps/investigation/src/main';
import { notificationService } from '../../apps/notification/src/main';
import { triageService } from '../../apps/triage/src/main';
import { startCoreBankingSimulator } from '../core-banking-sim/main';

export const ALL_SERVICES: ServiceDefinition[] = [
  intakeService,
  triageService,
  investigationService,
  compensationService,
  notificationService,
  complianceArchiveService,
];

/** One archive master key per test run: an archive restarted on the same schema (as another role) still unwraps its customers' keys. */
const ARCHIVE_TEST_SUBJECT_KEYS = `t1:${randomBytes(32).toString('base64')}`;

export interface ServiceUnderTest {
  name: ServiceName;
  running: RunningService;
  schema: string;
  baseUrl: string;
  issuer: TestIssuer;
  /** Prefix of this service's topics (`<prefix>complaints.intake.v1`). */
  topicPrefix: string;
  pg: Client;
  /** Compensation's simulated core banking ledger, when the test did not bring its own. */
  coreBanking: Awaited<ReturnType<typeof startCoreBankingSimulator>> | null;
  /** Rows in every table of the service's schema, to prove a refused request stored nothing (the archive's once its own events are back in its chain). */
  rowCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * One service in this process, with the real database and broker, a schema and topic prefix of
 * its own and an issuer of the test's own: the tests see its Nest application, not only its port.
 * The schema is a fresh one unless `DB_SCHEMA` names one the test already has (filled by an
 * earlier version, say, which the service then migrates as it starts): that one is the test's to
 * drop, as is its archive writer role.
 */
export async function startInProcess(definition: ServiceDefinition, env: Record<string, string> = {}): Promise<ServiceUnderTest> {
  const id = uniqueTestId();
  const ownSchema = env.DB_SCHEMA === undefined;
  const schema = env.DB_SCHEMA ?? `${id}_${definition.name.replace(/-/g, '_')}`;
  const issuer = await createTestIssuer(id);
  // Compensation pays through a core banking ledger: unless the test brings its own, it gets a simulated one of its own.
  const core =
    definition.name === 'compensation' && !env.CORE_BANKING_URL
      ? await startCoreBankingSimulator({
          CORE_BANKING_PORT: '0',
          CORE_BANKING_DATABASE_URL: TEST_DATABASE_URL,
          CORE_BANKING_SCHEMA: `${id}_core`,
          CORE_BANKING_TOKEN: randomBytes(16).toString('hex'),
          CORE_BANKING_CLOSED_ACCOUNTS: env.CORE_BANKING_CLOSED_ACCOUNTS ?? '',
        })
      : null;
  const coreEnv: Record<string, string> = core ? { CORE_BANKING_URL: `http://127.0.0.1:${core.port}`, CORE_BANKING_TOKEN: core.token } : {};
  const settings: Record<string, string> = {
    ...issuer.env,
    DATABASE_URL: TEST_DATABASE_URL,
    DB_SCHEMA: schema,
    DB_POOL_SIZE: '4',
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PARTITIONS: '1',
    TOPIC_PREFIX: `${id}.`,
    PORT: '0',
    LOG_LEVEL: 'error',
    OUTBOX_POLL_MS: '200',
    PII_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    PII_PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    ARCHIVE_SUBJECT_KEYS: ARCHIVE_TEST_SUBJECT_KEYS,
    EVIDENCE_DIR: path.join(os.tmpdir(), 'complaints-evidence', id),
    ...coreEnv,
    ...env,
  };
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  let running: RunningService;
  try {
    running = await startService(definition);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
  const address = running.app.getHttpServer().address() as { port: number };
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  return {
    name: definition.name,
    running,
    schema,
    baseUrl: `http://127.0.0.1:${address.port}`,
    issuer,
    topicPrefix: settings.TOPIC_PREFIX,
    pg,
    coreBanking: core,
    async rowCounts() {
      // The archive consumes every topic, its own included: a retrieval's staff action comes back
      // through the broker into its chain a moment later, and would move a count taken meanwhile.
      if (definition.name === complianceArchiveService.name) {
        await eventually(
          async () => Number((await pg.query(`SELECT count(*) AS n FROM "${schema}".outbox o WHERE NOT EXISTS (SELECT 1 FROM "${schema}".archive_entries e WHERE e.event_id = o.event_id)`)).rows[0].n) === 0,
          { timeoutMs: 30_000, what: 'the archive to hold every event it published' },
        );
      }
      const tables = await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema]);
      const counts: Record<string, number> = {};
      for (const { table_name } of tables.rows) {
        counts[table_name] = Number((await pg.query(`SELECT count(*) AS n FROM "${schema}"."${table_name}"`)).rows[0].n);
      }
      return counts;
    },
    async stop() {
      await running.stop();
      if (ownSchema) await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      if (core) {
        await core.close();
        await pg.query(`DROP SCHEMA IF EXISTS "${core.schema}" CASCADE`).catch(() => undefined);
      }
      if (ownSchema && definition.name === 'compliance-archive') await dropRoleIfExists(pg, archiveWriterRole(schema)).catch(() => undefined);
      await pg.end();
    },
  };
}
