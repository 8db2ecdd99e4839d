import { MigrationInterface, QueryRunner } from 'typeorm';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * Signed checkpoints of the hash chain (docs/archive.md, "Checkpoints"): append-only like
 * archive_entries, and the writer role may read and add them, nothing else. The ranges follow on
 * without gap or overlap and each names the one before, so there is only ever one chain of them.
 */
export class ArchiveCheckpoints1764547300000 implements MigrationInterface {
  name = 'ArchiveCheckpoints1764547300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE checkpoints (
        seq_from                 bigint NOT NULL UNIQUE CHECK (seq_from >= 1),
        seq_to                   bigint PRIMARY KEY,
        merkle_root              char(64) NOT NULL,
        previous_checkpoint_hash char(64) NOT NULL UNIQUE,
        signed_at                timestamptz NOT NULL,
        key_id                   text NOT NULL,
        signature                text NOT NULL,
        checkpoint_hash          char(64) NOT NULL UNIQUE,
        CHECK (seq_to >= seq_from)
      )`);
    await q.query(`
      CREATE FUNCTION checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'checkpoints is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION checkpoints_append_only()`);
    const schema = await schemaOf(q);
    const s = ident(schema);
    await q.query(`REVOKE ALL ON ${s}.checkpoints FROM PUBLIC`);
    // The writer role is made by ArchiveWriterRole1764547200000; a DBA may have removed it since.
    const role = archiveWriterRole(schema);
    const [exists] = await q.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
    if (exists) {
      const r = ident(role);
      await q.query(`REVOKE ALL ON ${s}.checkpoints FROM ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.checkpoints TO ${r}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkpoints`);
    await q.query(`DROP FUNCTION checkpoints_append_only()`);
  }
}

