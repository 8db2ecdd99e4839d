// npm run archive:rewrap-keys: wraps every live data key of the compliance archive's subjects
// (archive_subject_keys) again under the current master key of ARCHIVE_SUBJECT_KEYS, so an older
// master key can be retired. Uses DATABASE_URL and DB_SCHEMA (default compliance_archive) and must
// connect as the archive's owner (the role migrations run as): the table's guard lets only the
// owner re-wrap a key, never the writer role the service runs as.
//
// Master key rotation without downtime:
//   1. give every replica of the archive ARCHIVE_SUBJECT_KEYS="<new>:...,<old>:..." (new first) and
//      roll them out: new subjects' keys are wrapped under the new key, old ones still unwrap;
//   2. run this tool with the same ARCHIVE_SUBJECT_KEYS while the archive keeps running; it prints
//      how many keys are left under another master key, and should end with 0;
//   3. only then drop the old key from ARCHIVE_SUBJECT_KEYS.
// The data keys do not change: every value sealed under them still opens, and destroying one still
// erases them. Each run is recorded in archive_key_rotations.
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { databaseConfigFromEnv, dataSourceOptions } from '@complaints/platform';
import { SubjectKeyring } from '../../apps/compliance-archive/src/retention/subject-cipher';
import { LOCK_TIMEOUT, withLockRetries } from './rewrap';

export interface SubjectKeyRewrapReport {
  /** Live keys looked at. */
  keys: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** The master key ids the re-wrapped keys were under. */
  from: string[];
  /** Keys that did not unwrap (a master key not configured, an altered row): left as they are. */
  failed: { keyId: string; error: string }[];
  /** Live keys still under another master key once the walk ended (written meanwhile by a replica with the old configuration, or failed). */
  left: number;
}

interface Batch {
  rows: number;
  lastId: string | null;
  rewrapped: number;
  alreadyCurrent: number;
  from: string[];
  failed: { keyId: string; error: string }[];
}

/**
 * Walks the live keys in key id order, one short transaction per batch holding its rows (FOR
 * UPDATE), so a purge destroying a key meanwhile waits for the batch or is seen by it; destroyed
 * keys are not touched (they are gone). Safe to interrupt and to run again.
 */
export async function rewrapSubjectKeys(dataSource: DataSource, keyring: SubjectKeyring, { batchSize = 500, onBatch }: { batchSize?: number; onBatch?: (soFar: SubjectKeyRewrapReport) => void } = {}): Promise<SubjectKeyRewrapReport> {
  const startedAt = new Date();
  const report: SubjectKeyRewrapReport = { keys: 0, rewrapped: 0, alreadyCurrent: 0, from: [], failed: [], left: 0 };
  let after = '';
  for (;;) {
    const cursor = after;
    const batch = await withLockRetries(() => dataSource.transaction((manager) => rewrapBatch(manager, keyring, cursor, batchSize)));
    report.keys += batch.rows;
    report.rewrapped += batch.rewrapped;
    report.alreadyCurrent += batch.alreadyCurrent;
    report.from = [...new Set([...report.from, ...batch.from])].sort();
    report.failed.push(...batch.failed);
    if (batch.rows > 0) onBatch?.(report);
    // A short batch is not the end: a purge that held some of its rows destroyed them meanwhile.
    if (batch.rows === 0 || batch.lastId === null) break;
    after = batch.lastId;
  }
  const [{ left }]: { left: number }[] = await dataSource.query(
    `SELECT count(*)::int AS left FROM archive_subject_keys WHERE destroyed_at IS NULL AND split_part(wrapped_key, ':', 2) <> $1`,
    [keyring.currentKeyId],
  );
  report.left = left;
  await dataSource.query(
    `INSERT INTO archive_key_rotations (id, to_master_key, from_master_keys, keys_rewrapped, keys_left, started_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [randomUUID(), keyring.currentKeyId, report.from, report.rewrapped, report.left, startedAt],
  );
  return report;
}

async function rewrapBatch(manager: EntityManager, keyring: SubjectKeyring, after: string, batchSize: number): Promise<Batch> {
  await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  const rows: { key_id: string; wrapped_key: string }[] = await manager.query(
    `SELECT key_id, wrapped_key FROM archive_subject_keys WHERE destroyed_at IS NULL AND key_id > $1 ORDER BY key_id LIMIT $2 FOR UPDATE`,
    [after, batchSize],
  );
  const batch: Batch = { rows: rows.length, lastId: rows.at(-1)?.key_id ?? null, rewrapped: 0, alreadyCurrent: 0, from: [], failed: [] };
  const changed: { keyId: string; wrapped: string }[] = [];
  for (const row of rows) {
    try {
      const rewrapped = keyring.rewrap(row.key_id, row.wrapped_key);
      if (rewrapped === null) {
        batch.alreadyCurrent++;
        continue;
      }
      changed.push({ keyId: row.key_id, wrapped: rewrapped });
      batch.from.push(row.wrapped_key.split(':')[1]);
    } catch (e) {
      // The message names master key ids and subject key ids, never key material.
      batch.failed.push({ keyId: row.key_id, error: (e as Error).message });
    }
  }
  if (changed.length) {
    await manager.query(
      `UPDATE archive_subject_keys AS t SET wrapped_key = u.wrapped FROM unnest($1::text[], $2::text[]) AS u(key_id, wrapped) WHERE t.key_id = u.key_id`,
      [changed.map((c) => c.keyId), changed.map((c) => c.wrapped)],
    );
    batch.rewrapped = changed.length;
  }
  return batch;
}

async function main(): Promise<number> {
  const keyring = SubjectKeyring.fromEnv();
  const config = databaseConfigFromEnv('compliance-archive');
  const dataSource = new DataSource(dataSourceOptions({ ...config, poolSize: 2 }, [], []));
  await dataSource.initialize();
  try {
    console.log(`rewrapping the archive's subject keys in schema ${config.schema} under master key ${keyring.currentKeyId}`);
    const report = await rewrapSubjectKeys(dataSource, keyring, {
      onBatch: (r) => console.log(`  ${r.keys} keys: ${r.rewrapped} rewrapped, ${r.alreadyCurrent} already current, ${r.failed.length} failed`),
    });
    console.log(
      `done: ${report.rewrapped} key(s) rewrapped from ${report.from.join(', ') || 'no other key'} to ${keyring.currentKeyId}, ` +
        `${report.alreadyCurrent} already current, ${report.failed.length} failed, ${report.left} still under another master key`,
    );
    for (const f of report.failed.slice(0, 20)) console.error(`  ${f.keyId}: ${f.error}`);
    if (report.failed.length > 20) console.error(`  ... and ${report.failed.length - 20} more`);
    if (report.left > 0) {
      console.error('keys are left under another master key: keep it configured, and run again (a replica may still have had the old configuration)');
      return 1;
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
