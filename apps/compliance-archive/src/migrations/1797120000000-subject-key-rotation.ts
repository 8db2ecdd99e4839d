import { MigrationInterface, QueryRunner } from 'typeorm';
/**
 * The guard as ArchiveRetention1764633800000 made it, with one more rule; `rewrap` is that rule.
 * `search_path` is the function's own: a name it looks up (the owner in `pg_class`) must not be
 * one the caller can shadow with a temporary table of theirs.
 */
const guard = (rewrap: string, searchPath: string) => `
  CREATE OR REPLACE FUNCTION archive_subject_keys_guard() RETURNS trigger LANGUAGE plpgsql${searchPath} AS $$
  BEGIN
    IF TG_OP <> 'UPDATE' THEN
      RAISE EXCEPTION 'archive_subject_keys: % refused: a key is destroyed by erasing it, its row stays as the record', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.customer_ref IS DISTINCT FROM OLD.customer_ref
       OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
      RAISE EXCEPTION 'archive_subject_keys: whose key it is cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.destroyed_at IS NOT NULL THEN
      RAISE EXCEPTION 'archive_subject_keys: key % was destroyed and stays destroyed', OLD.key_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.wrapped_key IS NOT NULL AND NEW.wrapped_key IS DISTINCT FROM OLD.wrapped_key${rewrap} THEN
      RAISE EXCEPTION 'archive_subject_keys: a key can be destroyed, never replaced' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.linked_to IS NOT NULL AND NEW.linked_to IS DISTINCT FROM OLD.linked_to THEN
      RAISE EXCEPTION 'archive_subject_keys: a link to a customer cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END $$`;

/**
 * Rotating the master key that wraps the subjects' data keys (docs/archive.md, "Rotating the
 * master key"): `npm run archive:rewrap-keys` wraps each live data key again under the current
 * master key, so the old one can be retired. The data key itself does not change (every value
 * sealed under it still opens, and destroying it still erases them), but the guard could not tell
 * a re-wrap from a replacement, so it allows only this: a well-formed wrapped key under another
 * master key id, written by the table's owner (the role migrations run as), never by the writer
 * role the service runs as. Each run is recorded in `archive_key_rotations` (append-only).
 */
export class ArchiveSubjectKeyRotation1797120000000 implements MigrationInterface {
  name = 'ArchiveSubjectKeyRotation1797120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      guard(`
       AND NOT (OLD.wrapped_key IS NOT NULL
                AND NEW.wrapped_key ~ '^v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]+$'
                AND split_part(NEW.wrapped_key, ':', 2) <> split_part(OLD.wrapped_key, ':', 2)
                AND pg_catalog.pg_has_role(current_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'MEMBER'))`,
        ` SET search_path = pg_catalog, pg_temp`,
      ),
    );
    await q.query(`
      CREATE TABLE archive_key_rotations (
        id              uuid PRIMARY KEY,
        to_master_key   text NOT NULL CHECK (to_master_key ~ '^[A-Za-z0-9_-]{1,32}$'),
        from_master_keys text[] NOT NULL,
        keys_rewrapped  integer NOT NULL CHECK (keys_rewrapped >= 0),
        keys_left       integer NOT NULL CHECK (keys_left >= 0),
        started_at      timestamptz(3) NOT NULL,
        finished_at     timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        actor           text NOT NULL DEFAULT current_user
      )`);
    await q.query(`
      CREATE FUNCTION archive_key_rotations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'archive_key_rotations is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER archive_key_rotations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON archive_key_rotations FOR EACH STATEMENT EXECUTE FUNCTION archive_key_rotations_append_only()`,
    );
    // The tool runs as the owner; the writer role the service runs as is granted nothing here.
    await q.query(`REVOKE ALL ON archive_key_rotations FROM PUBLIC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE archive_key_rotations`);
    await q.query(`DROP FUNCTION archive_key_rotations_append_only()`);
    await q.query(guard('', ''));
    await q.query(`ALTER FUNCTION archive_subject_keys_guard() RESET search_path`);
  }
}
