import { MigrationInterface, QueryRunner } from 'typeorm';
import { ComplaintIndex } from '../search/complaint-index';

/**
 * The complaint index learns that an answered complaint can be worked again (a case reopened, a
 * customer's 核查 review, a low follow-up score): `reopened_at`, and `last_responded_at` next to the
 * first answer, so a complaint reopened after its answer shows `reopened` and is closed again by the
 * next answer. The index is then rebuilt from the archived entries: it had also left out
 * `case.response-issued@v2`, so complaints answered since that version had no outcome in it.
 */
export class ArchiveIndexReopenings1796750000000 implements MigrationInterface {
  name = 'ArchiveIndexReopenings1796750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE archive_complaint_index DROP COLUMN status, DROP COLUMN closed_at`);
    await q.query(`
      ALTER TABLE archive_complaint_index
        ADD COLUMN reopened_at       timestamptz,
        ADD COLUMN last_responded_at timestamptz`);
    await q.query(`UPDATE archive_complaint_index SET last_responded_at = responded_at`);
    await q.query(`
      ALTER TABLE archive_complaint_index
        ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
          CASE WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) AND withdrawn_at IS NULL THEN 'reopened'
               WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN 'closed'
               WHEN last_responded_at IS NOT NULL THEN 'responded'
               WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
               WHEN triaged_at IS NOT NULL THEN 'triaged'
               ELSE 'received' END) STORED,
        ADD COLUMN closed_at timestamptz GENERATED ALWAYS AS (
          CASE WHEN reopened_at IS NOT NULL AND (last_responded_at IS NULL OR reopened_at > last_responded_at) AND withdrawn_at IS NULL THEN NULL
               WHEN last_responded_at IS NOT NULL AND outcome IS NOT NULL THEN GREATEST(last_responded_at, resolved_at)
               WHEN last_responded_at IS NULL THEN withdrawn_at END) STORED`);
    await q.query(`CREATE INDEX archive_complaint_index_closed ON archive_complaint_index (closed_at)`);
    await new ComplaintIndex().rebuild(q.manager);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE archive_complaint_index DROP COLUMN status, DROP COLUMN closed_at`);
    await q.query(`ALTER TABLE archive_complaint_index DROP COLUMN reopened_at, DROP COLUMN last_responded_at`);
    await q.query(`
      ALTER TABLE archive_complaint_index
        ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
          CASE WHEN responded_at IS NOT NULL AND outcome IS NOT NULL THEN 'closed'
               WHEN responded_at IS NOT NULL THEN 'responded'
               WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
               WHEN triaged_at IS NOT NULL THEN 'triaged'
               ELSE 'received' END) STORED,
        ADD COLUMN closed_at timestamptz GENERATED ALWAYS AS (
          CASE WHEN responded_at IS NOT NULL AND outcome IS NOT NULL THEN GREATEST(responded_at, resolved_at)
               WHEN responded_at IS NULL THEN withdrawn_at END) STORED`);
    await q.query(`CREATE INDEX archive_complaint_index_closed ON archive_complaint_index (closed_at)`);
  }
}
