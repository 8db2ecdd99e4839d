import { MigrationInterface, QueryRunner } from 'typeorm';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * Who retrieved which complaint's record, when and why (docs/archive.md, "Retrievals"). Written
 * once per retrieval, in the transaction that reads the record; like the record itself, never
 * changed or removed afterwards. The writer role may append and read, nothing more.
 */
export class ArchiveRetrievals1764547400000 implements MigrationInterface {
  name = 'ArchiveRetrievals1764547400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE archive_retrievals (
        id            uuid PRIMARY KEY,
        at            timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        actor         text NOT NULL,
        roles         text[] NOT NULL,
        purpose       text NOT NULL CHECK (purpose IN ('regulator-request', 'court-order', 'internal-audit', 'complaint-handling', 'customer-request', 'quality-review')),
        reference     text CHECK (reference ~ '^[A-Za-z0-9 ._:/-]{1,100}$'),
        what          text NOT NULL,
        complaint_id  uuid NOT NULL,
        ticket_number text
      )`);
    await q.query(`CREATE INDEX archive_retrievals_at ON archive_retrievals (at)`);
    await q.query(`CREATE INDEX archive_retrievals_actor ON archive_retrievals (actor, at)`);
    await q.query(`CREATE INDEX archive_retrievals_complaint ON archive_retrievals (complaint_id, at)`);
    await q.query(`
      CREATE FUNCTION archive_retrievals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'archive_retrievals is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER archive_retrievals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON archive_retrievals
      FOR EACH STATEMENT EXECUTE FUNCTION archive_retrievals_append_only()`);
    const schema = await schemaOf(q);
    const role = archiveWriterRole(schema);
    const [{ exists }]: { exists: boolean }[] = await q.query(`SELECT to_regrole($1) IS NOT NULL AS exists`, [ident(role)]);
    if (exists) {
      await q.query(`REVOKE ALL ON ${ident(schema)}.archive_retrievals FROM PUBLIC`);
      await q.query(`GRANT SELECT, INSERT ON ${ident(schema)}.archive_retrievals TO ${ident(role)}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE archive_retrievals`);
    await q.query(`DROP FUNCTION archive_retrievals_append_only()`);
  }
}

