import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, EntitySchema, MixedList, QueryRunner } from 'typeorm';
import { EventDefinition, EventPayload } from '@complaints/contracts';
import { createKafka, CreateMessagingTables1763884800000, ensureTopics, MessagingConfig, messagingConfigFromEnv } from '@complaints/messaging';
import { dataSourceOptions, openDatabase } from '@complaints/platform';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, uniqueTestId } from './environment';

/** Polls until `probe` returns a value (not undefined/null/false), or fails after the deadline. Never a fixed sleep. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface TestBed {
  id: string;
  schema: string;
  databaseUrl: string;
  dataSource: DataSource;
  messaging: MessagingConfig;
  kafka: Kafka;
  topic(base: string): string;
  teardown(): Promise<void>;
}

/** A schema and a topic prefix of its own, so tests never see each other's data. */
export async function createTestBed(
  options: { entities?: MixedList<Function | string | EntitySchema>; migrations?: Function[]; topics?: string[]; partitions?: number } = {},
): Promise<TestBed> {
  const id = uniqueTestId();
  const schema = id;
  const messaging: MessagingConfig = { ...messagingConfigFromEnv(id, {}), brokers: TEST_KAFKA_BROKERS, topicPrefix: `${id}.`, partitions: options.partitions ?? 3 };
  const kafka = createKafka(messaging, { log: () => undefined, warn: () => undefined, error: () => undefined });
  const config = { url: TEST_DATABASE_URL, schema, poolSize: 10 };
  const dataSource = await openDatabase(config, options.entities ?? [], [CreateMessagingTables1763884800000, ...(options.migrations ?? [])]);
  const topic = (base: string) => `${messaging.topicPrefix}${base}`;
  if (options.topics?.length) await ensureTopics(kafka, options.topics.map(topic), messaging.partitions);
  return {
    id,
    schema,
    databaseUrl: TEST_DATABASE_URL,
    dataSource,
    messaging,
    kafka,
    topic,
    async teardown() {
      await dataSource.destroy().catch(() => undefined);
      const pg = new Client({ connectionString: TEST_DATABASE_URL });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pg.end();
      const admin = kafka.admin();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(messaging.topicPrefix));
      if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export { dataSourceOptions };

/**
 * Runs `work` with exactly `env`'s values for the variables `names` (a name `env` leaves out is
 * unset), as a service's process would have them, and puts them back after.
 */
export async function withEnvironment<T>(names: readonly string[], env: Readonly<Record<string, string | undefined>>, work: () => Promise<T>): Promise<T> {
  const saved = names.map((name) => [name, process.env[name]] as const);
  for (const name of names) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  try {
    return await work();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Runs a migration step the way the service does, in a transaction of its own, with the variables `names` as `env` gives them (`withEnvironment`). */
export async function migrateWithEnvironment(bed: TestBed, names: readonly string[], env: Readonly<Record<string, string | undefined>>, work: (q: QueryRunner) => Promise<void>): Promise<void> {
  await withEnvironment(names, env, async () => {
    const runner = bed.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await work(runner);
      await runner.commitTransaction();
    } catch (e) {
      await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
  });
}

/**
 * A migration step with `PII_KEYS` as given (absent: unset) for the step only: the migrations that
 * seal stored text read the keys as they find text to seal.
 */
export const migrateWithKeys = (bed: TestBed, env: { PII_KEYS?: string }, work: (q: QueryRunner) => Promise<void>): Promise<void> =>
  migrateWithEnvironment(bed, ['PII_KEYS'], env, work);

/**
 * Drops a login role a service's migrations created for a test schema (the archive's writer
 * role): roles are cluster-wide, so they outlive the schema unless dropped.
 */
export async function dropRoleIfExists(pg: Client, role: string): Promise<void> {
  const { rowCount } = await pg.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
  if (!rowCount) return;
  const ident = `"${role.replace(/"/g, '""')}"`;
  await pg.query(`DROP OWNED BY ${ident}`);
  await pg.query(`DROP ROLE ${ident}`);
}

export interface CollectedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning into a growing array, until stopped. */
export async function collectTopic(kafka: Kafka, topic: string): Promise<{ messages: CollectedMessage[]; stop(): Promise<void> }> {
  const consumer = kafka.consumer({ groupId: `${topic}.collector.${uniqueTestId()}`, maxWaitTimeInMs: 100 });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v);
      messages.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/** An event as another service would have published it, for feeding a service under test through the broker. */
export const testEnvelope = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producer: string, correlationId = `test-${complaintId}`) => ({
  eventId: randomUUID(),
  type: definition.type,
  version: definition.version,
  occurredAt: new Date().toISOString(),
  complaintId,
  correlationId,
  causationId: null,
  producer,
  payload,
});

export const quietKafka = (clientId: string) =>
  new Kafka({ clientId, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });

export { uniqueTestId };
