import { randomBytes } from 'node:crypto';

/** Tests use their own database, never the demo's: a test can run while the demo stack is up. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/complaints_test';
export const TEST_KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** A short unique id for schema names, topic prefixes and consumer groups of one test. */
export const uniqueTestId = (): string => `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!/test/.test(name)) throw new Error(`refusing to run tests against database "${name}": its name must contain "test"`);
}
