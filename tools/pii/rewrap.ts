// npm run pii:rewrap: moves every sealed personal-data value of intake's complaints to the current
// key of PII_KEYS. Uses DATABASE_URL and DB_SCHEMA (default: intake), like the intake service.
//
// Key rotation without downtime:
//   1. give every intake replica PII_KEYS="<new>:...,<old>:..." (new first) and roll them out:
//      new values are sealed under the new key, old ones stay readable;
//   2. run this tool with the same PII_KEYS while the services keep running; run it again until it
//      reports 0 rewrapped (values written by a replica that still had the old configuration);
//   3. only then drop the old key from PII_KEYS.
// Only the wrapped data keys change (v1 values are sealed afresh as v2), so the tool retires a key;
// it is no remedy for a leaked data key.
import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions, databaseConfigFromEnv, FieldCipher } from '@complaints/platform';

const SEALED_COLUMNS = ['complainant_sealed', 'description_sealed'] as const;
type SealedColumn = (typeof SEALED_COLUMNS)[number];
type Row = { id: string } & Record<SealedColumn, string | null>;

export interface RewrapFailure {
  id: string;
  column: SealedColumn;
  error: string;
}

export interface RewrapReport {
  rows: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Values that could not be opened (unknown kid, altered): left as they are, and the run is not done. */
  failed: RewrapFailure[];
}

export interface RewrapOptions {
  batchSize?: number;
  onBatch?: (soFar: RewrapReport) => void;
}

/** A batch waits at most this long for a row a service holds; it then starts again rather than stall the service behind it. */
const LOCK_TIMEOUT = '5s';
const LOCK_RETRIES = 5;

/**
 * Walks the complaints in id order, one transaction per batch, and re-wraps both sealed columns
 * under the cipher's current key. Batches lock their rows (FOR UPDATE) so a service writing the same
 * row meanwhile is neither overwritten nor missed, and hold the locks only for the few milliseconds
 * the batch takes. Keyset pagination keeps every batch an index range scan, however far the walk has got.
 * Safe to interrupt and to run again: values already under the current key are left alone.
 */
export async function rewrapComplaints(dataSource: DataSource, cipher: FieldCipher, options: RewrapOptions = {}): Promise<RewrapReport> {
  const batchSize = options.batchSize ?? 500;
  const report: RewrapReport = { rows: 0, rewrapped: 0, alreadyCurrent: 0, failed: [] };
  let after: string | null = null;
  for (;;) {
    const cursor: string | null = after;
    const batch: BatchResult = await withLockRetries(() => dataSource.transaction((manager) => rewrapBatch(manager, cipher, cursor, batchSize)));
    report.rows += batch.rows;
    report.rewrapped += batch.rewrapped;
    report.alreadyCurrent += batch.alreadyCurrent;
    report.failed.push(...batch.failed);
    if (batch.rows > 0) options.onBatch?.(report);
    if (batch.rows < batchSize) return report;
    after = batch.lastId;
  }
}

interface BatchResult {
  rows: number;
  lastId: string | null;
  rewrapped: number;
  alreadyCurrent: number;
  failed: RewrapFailure[];
}

async function rewrapBatch(manager: EntityManager, cipher: FieldCipher, after: string | null, batchSize: number): Promise<BatchResult> {
  await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  const columns = `id, ${SEALED_COLUMNS.join(', ')}`;
  const rows: Row[] =
    after === null
      ? await manager.query(`SELECT ${columns} FROM complaints ORDER BY id LIMIT $1 FOR UPDATE`, [batchSize])
      : await manager.query(`SELECT ${columns} FROM complaints WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE`, [after, batchSize]);
  const result: BatchResult = { rows: rows.length, lastId: rows.at(-1)?.id ?? null, rewrapped: 0, alreadyCurrent: 0, failed: [] };
  const changed: Row[] = [];
  for (const row of rows) {
    let rowChanged = false;
    const next: Row = { ...row };
    for (const column of SEALED_COLUMNS) {
      const sealed = row[column];
      if (sealed === null) continue;
      try {
        const rewrapped = cipher.rewrap(sealed);
        if (rewrapped === null) {
          result.alreadyCurrent++;
        } else {
          next[column] = rewrapped;
          result.rewrapped++;
          rowChanged = true;
        }
      } catch (e) {
        // The message names kids and segments, never the plaintext.
        result.failed.push({ id: row.id, column, error: (e as Error).message });
      }
    }
    if (rowChanged) changed.push(next);
  }
  if (changed.length) {
    // One statement per batch; the row locks make writing back the unchanged column harmless.
    await manager.query(
      `UPDATE complaints AS c
          SET complainant_sealed = u.complainant_sealed, description_sealed = u.description_sealed
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, complainant_sealed, description_sealed)
        WHERE c.id = u.id`,
      [changed.map((r) => r.id), changed.map((r) => r.complainant_sealed), changed.map((r) => r.description_sealed)],
    );
  }
  return result;
}

async function withLockRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const code = (e as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (e as { code?: string }).code;
      if (code !== '55P03' || attempt >= LOCK_RETRIES) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function main(): Promise<number> {
  const cipher = FieldCipher.fromEnv();
  const config = databaseConfigFromEnv('intake');
  const dataSource = new DataSource(dataSourceOptions({ ...config, poolSize: 2 }, [], []));
  await dataSource.initialize();
  try {
    console.log(`rewrapping complaints in schema ${config.schema} under key ${cipher.currentKeyId}`);
    const report = await rewrapComplaints(dataSource, cipher, {
      onBatch: (r) => console.log(`  ${r.rows} rows: ${r.rewrapped} rewrapped, ${r.alreadyCurrent} already current, ${r.failed.length} failed`),
    });
    console.log(
      `done: ${report.rewrapped} value(s) rewrapped to key ${cipher.currentKeyId}, ${report.alreadyCurrent} already current, ` +
        `${report.failed.length} failed, in ${report.rows} complaint(s)`,
    );
    if (report.failed.length) {
      for (const f of report.failed.slice(0, 20)) console.error(`  complaint ${f.id} ${f.column}: ${f.error}`);
      if (report.failed.length > 20) console.error(`  ... and ${report.failed.length - 20} more`);
      console.error('some values could not be rewrapped: keep the old keys configured until they are resolved');
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
