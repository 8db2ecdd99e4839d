import { Client } from 'pg';
import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';

export interface DatabaseConfig {
  url: string;
  schema: string;
  poolSize: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/complaints';

export function databaseConfigFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const schema = env.DB_SCHEMA ?? service.replace(/-/g, '_');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`DB_SCHEMA must be a plain lower-case identifier, got ${schema}`);
  return {
    url: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    schema,
    poolSize: Number(env.DB_POOL_SIZE ?? '10'),
  };
}

/** Creates the database named in the URL if it is missing (a fresh machine has only `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04' && e.code !== '23505') throw e; // created meanwhile by another service
      });
    }
  } finally {
    await client.end();
  }
}

export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // A service running as a restricted role may not CREATE on the database even when the schema
    // exists (Postgres checks the privilege first), so only create what is missing.
    const { rowCount } = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    if (rowCount) return;
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((e: { code?: string }) => {
      if (e.code !== '23505' && e.code !== '42P06') throw e;
    });
  } finally {
    await client.end();
  }
}

export function dataSourceOptions(
  config: DatabaseConfig,
  entities: MixedList<Function | string | EntitySchema>,
  migrations: Function[],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    schema: config.schema,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    // Unqualified names in hand-written SQL resolve to the service's own schema, and only there.
    extra: { max: config.poolSize, options: `-c search_path=${config.schema}` },
  };
}

/** Prepares database, schema and migrations, then returns an initialised data source. */
export async function openDatabase(
  config: DatabaseConfig,
  entities: MixedList<Function | string | EntitySchema>,
  migrations: Function[],
): Promise<DataSource> {
  await ensureDatabase(config.url);
  await ensureSchema(config.url, config.schema);
  const dataSource = new DataSource(dataSourceOptions(config, entities, migrations));
  await dataSource.initialize();
  // Several replicas may start at once: one runs the migrations, the others wait on the lock,
  // which is held on one dedicated connection so it is released on the same one.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`migrations:${config.schema}`]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`migrations:${config.schema}`]).catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}
