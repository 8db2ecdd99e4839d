import { MigrationInterface, QueryRunner } from 'typeorm';
import { ComplaintIndex } from '../search/complaint-index';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * The complaint index behind search and the regulatory statistics (docs/archive.md, "Search and
 * statistics"): a projection of archive_entries, rebuilt here from the entries already archived.
 * Also lets a retrieval hang off no single complaint (a search, a statistics report): its filter
 * and number of hits go to archive_retrieval_queries, append-only like archive_retrievals.
 */
export class ArchiveComplaintIndex1764633700000 implements MigrationInterface {
  name = 'ArchiveComplaintIndex1764633700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE archive_complaint_index (
        complaint_id     uuid PRIMARY KEY,
        ticket_number    text,
        customer_ref     text,
        channel          text,
        regime           text,
        received_at      timestamptz,
        triaged_at       timestamptz,
        taxonomy         text,
        product_code     text,
        cause_code       text,
        channel_code     text,
        category         text,
        severity         text,
        department       text,
        outcome          text CHECK (outcome IN ('upheld', 'partially-upheld', 'not-upheld')),
        resolved_at      timestamptz,
        responded_at     timestamptz,
        withdrawn_at     timestamptz,
        status           text NOT NULL GENERATED ALWAYS AS (
                           CASE WHEN responded_at IS NOT NULL AND outcome IS NOT NULL THEN 'closed'
                                WHEN responded_at IS NOT NULL THEN 'responded'
                                WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
                                WHEN triaged_at IS NOT NULL THEN 'triaged'
                                ELSE 'received' END) STORED,
        closed_at        timestamptz GENERATED ALWAYS AS (
                           CASE WHEN responded_at IS NOT NULL AND outcome IS NOT NULL THEN GREATEST(responded_at, resolved_at)
                                WHEN responded_at IS NULL THEN withdrawn_at END) STORED,
        redress_minor    bigint,
        redress_currency char(3),
        updated_at       timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX archive_complaint_index_received ON archive_complaint_index (received_at DESC, complaint_id)`);
    await q.query(`CREATE INDEX archive_complaint_index_closed ON archive_complaint_index (closed_at)`);
    await q.query(`CREATE INDEX archive_complaint_index_responded ON archive_complaint_index (responded_at)`);
    await q.query(`CREATE INDEX archive_complaint_index_ticket ON archive_complaint_index (ticket_number)`);
    await q.query(`CREATE INDEX archive_complaint_index_customer ON archive_complaint_index (customer_ref)`);
    await q.query(`
      CREATE TABLE archive_complaint_index_remedies (
        remedy_id    uuid PRIMARY KEY,
        complaint_id uuid NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        currency     char(3) NOT NULL,
        proposed_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX archive_complaint_index_remedies_complaint ON archive_complaint_index_remedies (complaint_id)`);

    // A retrieval of many complaints at once: no single complaint, so its filter and hits are kept beside it.
    await q.query(`ALTER TABLE archive_retrievals ALTER COLUMN complaint_id DROP NOT NULL`);
    // No foreign key to archive_retrievals: a referenced table cannot be truncated at all, and its
    // trigger must be the one that refuses (42501). Both rows are written in one transaction.
    await q.query(`
      CREATE TABLE archive_retrieval_queries (
        retrieval_id uuid PRIMARY KEY,
        filter       jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
        hits         integer NOT NULL CHECK (hits >= 0)
      )`);
    await q.query(`
      CREATE FUNCTION archive_retrieval_queries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'archive_retrieval_queries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER archive_retrieval_queries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON archive_retrieval_queries
      FOR EACH STATEMENT EXECUTE FUNCTION archive_retrieval_queries_append_only()`);

    const schema = await schemaOf(q);
    const role = archiveWriterRole(schema);
    const [{ exists }]: { exists: boolean }[] = await q.query(`SELECT to_regrole($1) IS NOT NULL AS exists`, [ident(role)]);
    if (exists) {
      const s = ident(schema);
      const r = ident(role);
      for (const table of ['archive_complaint_index', 'archive_complaint_index_remedies', 'archive_retrieval_queries']) {
        await q.query(`REVOKE ALL ON ${s}.${table} FROM PUBLIC`);
      }
      // The index is a projection: rows are upserted (never deleted) as events arrive.
      await q.query(`GRANT SELECT, INSERT, UPDATE ON ${s}.archive_complaint_index TO ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_complaint_index_remedies TO ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_retrieval_queries TO ${r}`);
    }

    // Existing archives get their index now, from their own entries (idempotent, in seq order).
    await new ComplaintIndex().rebuild(q.manager);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE archive_retrieval_queries`);
    await q.query(`DROP FUNCTION archive_retrieval_queries_append_only()`);
    await q.query(`DROP TABLE archive_complaint_index_remedies`);
    await q.query(`DROP TABLE archive_complaint_index`);
    // complaint_id stays nullable: retrievals recorded since may have none.
  }
}

