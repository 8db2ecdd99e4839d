import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { ComplaintTriaged, EventEnvelope, Events, Role } from '@complaints/contracts';
import { RunningService, startService } from '@complaints/platform';
import { createTestIssuer, eventually, quietKafka, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TokenOptions, uniqueTestId } from '@complaints/testing';
import { investigationService } from '../main';

export interface Answer<T> {
  status: number;
  body: T;
}

export interface InvestigationUnderTest {
  running: RunningService;
  schema: string;
  token(roles: Role | Role[], options?: TokenOptions): Promise<string>;
  call<T = Record<string, unknown>>(method: string, route: string, bearer: string, body?: unknown): Promise<Answer<T>>;
  /** A query in the service's own schema. */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Sends complaint.triaged for a new complaint routed to `department` and waits for its case. */
  openCase(department: string): Promise<{ id: string; complaintId: string; status: string; assignedTo: string | null }>;
  stop(): Promise<void>;
}

/**
 * The investigation service in this process, against the test database and broker, with an issuer
 * and a topic prefix of its own. Its schema is a fresh one unless `DB_SCHEMA` names one that a test
 * has already filled: the service then migrates that schema as it starts, as a release would.
 */
export async function startInvestigation(env: Record<string, string> & { PII_KEYS: string; PII_PSEUDONYM_KEY: string }): Promise<InvestigationUnderTest> {
  const id = uniqueTestId();
  const ownSchema = env.DB_SCHEMA === undefined;
  const schema = env.DB_SCHEMA ?? `${id}_investigation`;
  const issuer = await createTestIssuer(id);
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
    EVIDENCE_DIR: path.join(os.tmpdir(), 'complaints-evidence', id),
    // The test asks for what it needs: no reminder watch running beside it.
    TASK_CHECK_INTERVAL_MS: '0',
    ...env,
  };
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  let running: RunningService;
  try {
    running = await startService(investigationService);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const baseUrl = `http://127.0.0.1:${(running.app.getHttpServer().address() as { port: number }).port}`;
  let producer: Producer | null = null;

  const call = async <T>(method: string, route: string, bearer: string, body?: unknown): Promise<Answer<T>> => {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const token = (roles: Role | Role[], options: TokenOptions = {}) => issuer.token(roles, options);

  return {
    running,
    schema,
    token,
    call,
    sql: (text, params = []) => running.dataSource.query(text, params),
    async openCase(department) {
      if (!producer) {
        producer = quietKafka(`${id}-triage`).producer();
        await producer.connect();
      }
      const complaintId = randomUUID();
      const triaged: EventEnvelope<ComplaintTriaged> = {
        eventId: randomUUID(),
        type: Events.ComplaintTriaged.type,
        version: Events.ComplaintTriaged.version,
        occurredAt: new Date().toISOString(),
        complaintId,
        correlationId: `in-process-${complaintId}`,
        causationId: null,
        producer: 'triage',
        payload: {
          ticketNumber: 'CMP-20261123-00000042-7',
          category: 'C03',
          severity: 'low',
          routingRule: 'cn-jrt0169@v1#transactions',
          reasons: [],
          regime: 'cn-cbirc',
          responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString(),
          department,
        },
      };
      await producer.send({ topic: `${settings.TOPIC_PREFIX}${Events.ComplaintTriaged.topic}`, messages: [{ key: complaintId, value: JSON.stringify(triaged) }] });
      const bearer = await token('investigator');
      return eventually(async () => (await call<{ id: string; complaintId: string; status: string; assignedTo: string | null }[]>('GET', `/v1/cases?complaintId=${complaintId}`, bearer)).body[0], {
        what: `the case of ${complaintId} to open`,
      });
    },
    async stop() {
      await producer?.disconnect();
      await running.stop();
      if (!ownSchema) return;
      const pg = new Client({ connectionString: TEST_DATABASE_URL });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pg.end();
    },
  };
}
