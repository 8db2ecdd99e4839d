// npm run pii:rewrap -- <service>: moves every value a service keeps sealed under PII_KEYS to the
// current key (intake: complainants, descriptions, representatives, supplements, withdrawal reasons,
// the reasons of regulator deadline changes;
// investigation: contact log, notes, findings, explanations, tasks, evidence descriptions, the
// reasons on transitions, extensions and declared interests, improvement measures and notes;
// compensation: the reasons of holds, rejections, reversals, withdrawals and reopenings;
// triage: triage officers' reasons on revisions and in their lines of a decision's reasons;
// notification: message texts, reply-to details, survey comments). Uses DATABASE_URL and DB_SCHEMA
// (default: the service's name), like the service itself.
//
// Key rotation without downtime:
//   1. give every replica of every service PII_KEYS="<new>:...,<old>:..." (new first) and roll them
//      out: new values are sealed under the new key, old ones stay readable;
//   2. run this tool for each of intake, triage, investigation, compensation and notification with the same PII_KEYS while
//      the services keep running; run it again until it reports 0 rewrapped (values written by a
//      replica that still had the old configuration);
//   3. only then drop the old key from PII_KEYS.
// Only the wrapped data keys change (v1 values are sealed afresh as v2), so the tool retires a key;
// it is no remedy for a leaked data key.
import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions, databaseConfigFromEnv, FieldCipher, looksSealed } from '@complaints/platform';

/**
 * Where each service keeps values sealed under PII_KEYS. A `column` holds the sealed text itself; a
 * `member` is a jsonb column whose `sealed` member holds it (investigation's findings, proposal and
 * response keep their structure readable next to it). A `lines` column is a jsonb list of text lines
 * some of which end in a sealed value after `: ` (triage officers' words in a decision's reasons, the
 * rest of each line and the other lines in clear). A service missing here could not read its
 * own data once the old key is dropped: every sealed column a migration adds belongs in this list.
 */
export const SEALED_VALUES = {
  intake: [
    { table: 'complaints', key: 'id', columns: ['complainant_sealed', 'description_sealed', 'representative_sealed', 'withdrawal_reason_sealed'] },
    { table: 'supplements', key: 'id', columns: ['text_sealed'] },
    { table: 'regulator_deadline_changes', key: 'id', columns: ['reason_sealed'] },
  ],
  investigation: [
    { table: 'cases', key: 'id', members: ['findings', 'proposal', 'resolution'] },
    { table: 'case_contacts', key: 'id', columns: ['summary_sealed'] },
    { table: 'case_notes', key: 'id', columns: ['body_sealed'] },
    { table: 'case_tasks', key: 'id', columns: ['request_sealed', 'result_sealed'] },
    { table: 'case_evidence', key: 'id', columns: ['description_sealed'] },
    { table: 'case_transitions', key: 'id', keyType: 'bigint', columns: ['reason_sealed'] },
    { table: 'case_declared_interests', key: 'id', columns: ['reason_sealed'] },
    { table: 'case_extension_requests', key: 'id', columns: ['reason_sealed', 'decision_reason_sealed'] },
    { table: 'improvement_actions', key: 'id', columns: ['measure_sealed', 'effectiveness_note_sealed'] },
  ],
  triage: [
    { table: 'triage_revisions', key: 'id', columns: ['reason_sealed'] },
    { table: 'triage_decisions', key: 'complaint_id', lines: ['reasons'] },
  ],
  compensation: [
    {
      table: 'remedies',
      key: 'id',
      columns: ['hold_reason_sealed', 'rejection_reason_sealed', 'reversal_reason_sealed', 'withdrawal_reason_sealed', 'case_reopen_reason_sealed'],
      members: ['reversal_rejection'],
    },
  ],
  notification: [
    { table: 'customer_messages', key: 'id', columns: ['body_sealed'] },
    { table: 'reply_preferences', key: 'complaint_id', columns: ['reply_to_sealed'] },
    { table: 'follow_up_surveys', key: 'id', columns: ['comment_sealed'] },
  ],
} as const satisfies Record<string, readonly SealedTable[]>;

export type ServiceWithSealedValues = keyof typeof SEALED_VALUES;

export interface SealedTable {
  table: string;
  /** A unique key the walk pages by: a uuid, unless `keyType` says otherwise. */
  key: string;
  /** Investigation's transitions are numbered in the order they happened. */
  keyType?: 'uuid' | 'bigint';
  columns?: readonly string[];
  members?: readonly string[];
  lines?: readonly string[];
}

/** A line of a `lines` column that ends in a sealed value: what comes before it, and the value. */
const SEALED_LINE_END = /^([\s\S]*: )(v[12]:[A-Za-z0-9_:+/=-]+)$/;

export interface RewrapFailure {
  table: string;
  id: string;
  column: string;
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
export const LOCK_TIMEOUT = '5s';
const LOCK_RETRIES = 5;

/**
 * Walks each of the service's tables in key order, one transaction per batch, and re-wraps every
 * sealed value under the cipher's current key. Batches lock their rows (FOR UPDATE) so a service
 * writing the same row meanwhile is neither overwritten nor missed, and hold the locks only for the
 * few milliseconds the batch takes. Keyset pagination keeps every batch an index range scan, however
 * far the walk has got. Safe to interrupt and to run again: values already under the current key
 * are left alone.
 */
export async function rewrapService(dataSource: DataSource, cipher: FieldCipher, service: ServiceWithSealedValues, options: RewrapOptions = {}): Promise<RewrapReport> {
  const batchSize = options.batchSize ?? 500;
  const report: RewrapReport = { rows: 0, rewrapped: 0, alreadyCurrent: 0, failed: [] };
  for (const table of SEALED_VALUES[service] as readonly SealedTable[]) {
    let after: string | null = null;
    for (;;) {
      const cursor: string | null = after;
      const batch: BatchResult = await withLockRetries(() => dataSource.transaction((manager) => rewrapBatch(manager, cipher, table, cursor, batchSize)));
      report.rows += batch.rows;
      report.rewrapped += batch.rewrapped;
      report.alreadyCurrent += batch.alreadyCurrent;
      report.failed.push(...batch.failed);
      if (batch.rows > 0) options.onBatch?.(report);
      if (batch.rows < batchSize) break;
      after = batch.lastId;
    }
  }
  return report;
}

interface BatchResult {
  rows: number;
  lastId: string | null;
  rewrapped: number;
  alreadyCurrent: number;
  failed: RewrapFailure[];
}

async function rewrapBatch(manager: EntityManager, cipher: FieldCipher, table: SealedTable, after: string | null, batchSize: number): Promise<BatchResult> {
  await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  // Names come from SEALED_VALUES above, never from input.
  const values = [...(table.columns ?? []).map((c) => ({ name: c, read: c })), ...(table.members ?? []).map((m) => ({ name: m, read: `${m}->>'sealed' AS ${m}` }))];
  const lines = table.lines ?? [];
  const select = `SELECT ${table.key}::text AS key, ${[...values.map((v) => v.read), ...lines].join(', ')} FROM ${table.table}`;
  const rows: ({ key: string } & Record<string, string | null> & Record<string, unknown>)[] =
    after === null
      ? await manager.query(`${select} ORDER BY ${table.key} LIMIT $1 FOR UPDATE`, [batchSize])
      : await manager.query(`${select} WHERE ${table.key} > $1 ORDER BY ${table.key} LIMIT $2 FOR UPDATE`, [after, batchSize]);
  const result: BatchResult = { rows: rows.length, lastId: rows.at(-1)?.key ?? null, rewrapped: 0, alreadyCurrent: 0, failed: [] };
  const changed: { key: string; next: Record<string, string | null> }[] = [];
  for (const row of rows) {
    const next: Record<string, string | null> = {};
    let rowChanged = false;
    for (const name of lines) {
      const stored = row[name] as string[] | null;
      next[name] = null;
      if (!Array.isArray(stored)) continue;
      let lineChanged = false;
      const rewrappedLines = stored.map((line) => {
        const m = typeof line === 'string' ? SEALED_LINE_END.exec(line) : null;
        // Words that only start like a sealed value are the officer's own, in clear.
        if (!m || !looksSealed(m[2])) return line;
        try {
          const rewrapped = cipher.rewrap(m[2]);
          if (rewrapped === null) {
            result.alreadyCurrent++;
            return line;
          }
          result.rewrapped++;
          lineChanged = true;
          return m[1] + rewrapped;
        } catch (e) {
          result.failed.push({ table: table.table, id: row.key, column: name, error: (e as Error).message });
          return line;
        }
      });
      if (lineChanged) {
        next[name] = JSON.stringify(rewrappedLines);
        rowChanged = true;
      }
    }
    for (const { name } of values) {
      const sealed = row[name] as string | null;
      next[name] = null;
      if (sealed === null) continue;
      try {
        const rewrapped = cipher.rewrap(sealed);
        if (rewrapped === null) {
          result.alreadyCurrent++;
        } else {
          next[name] = rewrapped;
          result.rewrapped++;
          rowChanged = true;
        }
      } catch (e) {
        // The message names kids and segments, never the plaintext.
        result.failed.push({ table: table.table, id: row.key, column: name, error: (e as Error).message });
      }
    }
    if (rowChanged) changed.push({ key: row.key, next });
  }
  if (changed.length) {
    // One statement per batch; a value left unchanged is sent as null and kept.
    const set = [
      ...(table.columns ?? []).map((c) => `${c} = coalesce(u.${c}, t.${c})`),
      ...(table.members ?? []).map((m) => `${m} = CASE WHEN u.${m} IS NULL THEN t.${m} ELSE jsonb_set(t.${m}, '{sealed}', to_jsonb(u.${m})) END`),
      ...lines.map((l) => `${l} = coalesce(u.${l}::jsonb, t.${l})`),
    ];
    const names = [...values.map((v) => v.name), ...lines];
    await manager.query(
      `UPDATE ${table.table} AS t SET ${set.join(', ')}
         FROM unnest($1::${table.keyType ?? 'uuid'}[], ${names.map((_, i) => `$${i + 2}::text[]`).join(', ')}) AS u(key, ${names.join(', ')})
        WHERE t.${table.key} = u.key`,
      [changed.map((r) => r.key), ...names.map((n) => changed.map((r) => r.next[n]))],
    );
  }
  return result;
}

export async function withLockRetries<T>(work: () => Promise<T>): Promise<T> {
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
  const service = process.argv[2] ?? 'intake';
  if (!(service in SEALED_VALUES)) {
    console.error(`usage: npm run pii:rewrap -- <${Object.keys(SEALED_VALUES).join('|')}>   (one run per service, with that service's DATABASE_URL and DB_SCHEMA)`);
    return 2;
  }
  const cipher = FieldCipher.fromEnv();
  const config = databaseConfigFromEnv(service);
  const dataSource = new DataSource(dataSourceOptions({ ...config, poolSize: 2 }, [], []));
  await dataSource.initialize();
  try {
    console.log(`rewrapping ${service}'s sealed values in schema ${config.schema} under key ${cipher.currentKeyId}`);
    const report = await rewrapService(dataSource, cipher, service as ServiceWithSealedValues, {
      onBatch: (r) => console.log(`  ${r.rows} rows: ${r.rewrapped} rewrapped, ${r.alreadyCurrent} already current, ${r.failed.length} failed`),
    });
    console.log(
      `done: ${report.rewrapped} value(s) rewrapped to key ${cipher.currentKeyId}, ${report.alreadyCurrent} already current, ` +
        `${report.failed.length} failed, in ${report.rows} row(s)`,
    );
    if (report.failed.length) {
      for (const f of report.failed.slice(0, 20)) console.error(`  ${f.table} ${f.id} ${f.column}: ${f.error}`);
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
