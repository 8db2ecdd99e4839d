import { MigrationInterface, QueryRunner } from 'typeorm';
import { ComplaintIndex } from '../search/complaint-index';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * Redress and closures in the complaint index (docs/archive.md, "The complaint index").
 *
 * Remedies: compensation amends a waiting proposal in place and proposes it again under the same
 * id, and withdraws, rejects or reverses remedies; the index kept each remedy's first amount and
 * counted every one ever proposed. Each proposal is now kept (the latest holds the amount), and
 * archive_complaint_index_remedy_ends records the end of a remedy, which takes it out of redress.
 *
 * Closures: the row keeps the first and the latest final response only, so a reopened complaint's
 * earlier closure and the decision it gave were lost to the FCA return.
 * archive_complaint_index_milestones keeps every decision, final response, reopening and
 * withdrawal, from which the statistics derive each closure.
 *
 * Both are projections like the rest of the index: it is rebuilt from the archived entries, which
 * fills the new tables and corrects redress_minor.
 */
export class ArchiveIndexRedressClosures1796860000000 implements MigrationInterface {
  name = 'ArchiveIndexRedressClosures1796860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE archive_complaint_index_remedies DROP CONSTRAINT archive_complaint_index_remedies_pkey`);
    await q.query(`ALTER TABLE archive_complaint_index_remedies ADD PRIMARY KEY (remedy_id, proposed_at)`);
    await q.query(`
      CREATE TABLE archive_complaint_index_remedy_ends (
        remedy_id    uuid PRIMARY KEY,
        complaint_id uuid NOT NULL,
        ended_as     text NOT NULL CHECK (ended_as IN ('withdrawn', 'rejected', 'reversed')),
        ended_at     timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX archive_complaint_index_remedy_ends_complaint ON archive_complaint_index_remedy_ends (complaint_id)`);
    await q.query(`
      CREATE TABLE archive_complaint_index_milestones (
        complaint_id uuid NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('decision', 'final-response', 'reopening', 'withdrawal')),
        at           timestamptz NOT NULL,
        outcome      text CHECK (outcome IN ('upheld', 'partially-upheld', 'not-upheld')),
        PRIMARY KEY (complaint_id, kind, at)
      )`);
    // The statistics select complaints closed in a period by their final responses and withdrawals.
    await q.query(`CREATE INDEX archive_complaint_index_milestones_at ON archive_complaint_index_milestones (kind, at)`);

    const schema = await schemaOf(q);
    const role = archiveWriterRole(schema);
    const [{ exists }]: { exists: boolean }[] = await q.query(`SELECT to_regrole($1) IS NOT NULL AS exists`, [ident(role)]);
    if (exists) {
      const s = ident(schema);
      const r = ident(role);
      // Like the remedies: rows are added as events arrive, never changed or removed.
      for (const table of ['archive_complaint_index_remedy_ends', 'archive_complaint_index_milestones']) {
        await q.query(`REVOKE ALL ON ${s}.${table} FROM PUBLIC`);
        await q.query(`GRANT SELECT, INSERT ON ${s}.${table} TO ${r}`);
      }
    }

    await new ComplaintIndex().rebuild(q.manager);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE archive_complaint_index_milestones`);
    await q.query(`DROP TABLE archive_complaint_index_remedy_ends`);
    // The earlier version keeps one row per remedy: its first proposal, as it had kept it.
    await q.query(`
      DELETE FROM archive_complaint_index_remedies p
       WHERE EXISTS (SELECT 1 FROM archive_complaint_index_remedies o WHERE o.remedy_id = p.remedy_id AND o.proposed_at < p.proposed_at)`);
    await q.query(`ALTER TABLE archive_complaint_index_remedies DROP CONSTRAINT archive_complaint_index_remedies_pkey`);
    await q.query(`ALTER TABLE archive_complaint_index_remedies ADD PRIMARY KEY (remedy_id)`);
  }
}
