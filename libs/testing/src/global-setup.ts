import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { assertTestDatabase, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './environment';

/** Integration and end-to-end tests need the real broker and database; say so plainly if absent. */
export default async function globalSetup(): Promise<void> {
  assertTestDatabase(TEST_DATABASE_URL);
  const admin = new URL(TEST_DATABASE_URL);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString() });
  try {
    await pg.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${admin.host}: ${(e as Error).message}`);
  }
  try {
    const { rowCount } = await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await pg.query(`CREATE DATABASE "${name}"`).catch((e: { code?: string }) => {
      if (e.code !== '42P04' && e.code !== '23505') throw e;
    });
  } finally {
    await pg.end();
  }
  const kafka = new Kafka({ clientId: 'test-setup', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const kafkaAdmin = kafka.admin();
  try {
    await kafkaAdmin.connect();
    await kafkaAdmin.describeCluster();
  } catch (e) {
    throw new Error(
      `Kafka is not reachable at ${TEST_KAFKA_BROKERS.join(',')}: ${(e as Error).message}. Run the tests with "npm test", which starts the broker.`,
    );
  } finally {
    await kafkaAdmin.disconnect();
  }
}
