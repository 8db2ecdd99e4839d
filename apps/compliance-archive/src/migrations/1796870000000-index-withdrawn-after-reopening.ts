import { MigrationInterface, QueryRunner } from 'typeorm';

/** The index's status and closure as ArchiveIndexReopenings1796750000000 left them (for `down`). */
const REOPENINGS_STATUS = `
  CASE WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) AND withdrawn_at IS NULL THEN 'reopened'
       WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN 'closed'
       WHEN last_responded_at IS NOT NULL THEN 'responded'
       WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
       WHEN triaged_at IS NOT NULL THEN 'triaged'
       ELSE 'received' END`;
const REOPENINGS_CLOSED_AT = `
  CASE WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) AND withdrawn_at IS NULL THEN NULL
       WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN GREATEST(last_responded_at, resolved_at)
       WHEN last_responded_at IS NULL THEN withdrawn_at END`;

/**
 * A withdrawal after the latest answer is what the complaint ended with. A customer who withdraws
 * a complaint reopened after its answer (a 核查 review they then drop) left it `closed` at the
 * earlier answer in the index, so a search for withdrawn complaints missed it and its closure was
 * dated to the answer it had reopened. The withdrawal now comes first, and closes it when it came.
 * Generated columns: re-adding them recomputes every row, nothing to rebuild.
 */
const STATUS = `
  CASE WHEN withdrawn_at IS NOT NULL AND (last_responded_at IS NULL OR withdrawn_at > last_responded_at) THEN 'withdrawn'
       WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) THEN 'reopened'
       WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN 'closed'
       WHEN last_responded_at IS NOT NULL THEN 'responded'
       WHEN triaged_at IS NOT NULL THEN 'triaged'
       ELSE 'received' END`;
const CLOSED_AT = `
  CASE WHEN withdrawn_at IS NOT NULL AND (last_responded_at IS NULL OR withdrawn_at > last_responded_at) THEN withdrawn_at
       WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) THEN NULL
       WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN GREATEST(last_responded_at, resolved_at) END`;

export class ArchiveIndexWithdrawnAfterReopening1796870000000 implements MigrationInterface {
  name = 'ArchiveIndexWithdrawnAfterReopening1796870000000';

  async up(q: QueryRunner): Promise<void> {
    await redefine(q, STATUS, CLOSED_AT);
  }

  async down(q: QueryRunner): Promise<void> {
    await redefine(q, REOPENINGS_STATUS, REOPENINGS_CLOSED_AT);
  }
}

async function redefine(q: QueryRunner, status: string, closedAt: string): Promise<void> {
  await q.query(`ALTER TABLE archive_complaint_index DROP COLUMN status, DROP COLUMN closed_at`);
  await q.query(`
    ALTER TABLE archive_complaint_index
      ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (${status}) STORED,
      ADD COLUMN closed_at timestamptz GENERATED ALWAYS AS (${closedAt}) STORED`);
  await q.query(`CREATE INDEX archive_complaint_index_closed ON archive_complaint_index (closed_at)`);
}
