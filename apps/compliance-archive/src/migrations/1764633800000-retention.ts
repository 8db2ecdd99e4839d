import { MigrationInterface, QueryRunner } from 'typeorm';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * Retention, legal hold and erasure (docs/archive.md): the subjects' data keys, which complaint
 * is sealed under which key, legal holds and the record of purges. archive_entries is untouched:
 * erasing destroys a key, never an entry. Triggers keep every table to what the service may do,
 * whoever asks; the writer role gets exactly the grants the service needs.
 */
export class ArchiveRetention1764633800000 implements MigrationInterface {
  name = 'ArchiveRetention1764633800000';

  async up(q: QueryRunner): Promise<void> {
    // One row per data key. A customer has at most one live key (a customer purged and back
    // again gets a new one); a complaint whose customer was not known yet has one of its own,
    // linked to the customer once complaint.received names them.
    await q.query(`
      CREATE TABLE archive_subject_keys (
        key_id       text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
        customer_ref text,
        complaint_id uuid UNIQUE,
        linked_to    text,
        wrapped_key  text,
        created_at   timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        destroyed_at timestamptz(3),
        purge_id     uuid,
        CHECK ((customer_ref IS NULL) <> (complaint_id IS NULL)),
        CHECK (linked_to IS NULL OR complaint_id IS NOT NULL),
        CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX archive_subject_keys_live ON archive_subject_keys (customer_ref) WHERE destroyed_at IS NULL`);
    await q.query(`CREATE INDEX archive_subject_keys_linked ON archive_subject_keys (linked_to) WHERE linked_to IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION archive_subject_keys_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
        IF NEW.wrapped_key IS NOT NULL AND NEW.wrapped_key IS DISTINCT FROM OLD.wrapped_key THEN
          RAISE EXCEPTION 'archive_subject_keys: a key can be destroyed, never replaced' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.linked_to IS NOT NULL AND NEW.linked_to IS DISTINCT FROM OLD.linked_to THEN
          RAISE EXCEPTION 'archive_subject_keys: a link to a customer cannot change' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER archive_subject_keys_guard BEFORE UPDATE OR DELETE ON archive_subject_keys FOR EACH ROW EXECUTE FUNCTION archive_subject_keys_guard()`);
    await q.query(`CREATE TRIGGER archive_subject_keys_no_truncate BEFORE TRUNCATE ON archive_subject_keys FOR EACH STATEMENT EXECUTE FUNCTION archive_subject_keys_guard()`);

    // Which key a complaint's fields are sealed under, from complaint.received on. Never changes.
    await q.query(`
      CREATE TABLE archive_complaint_subjects (
        complaint_id uuid PRIMARY KEY,
        customer_ref text NOT NULL,
        key_id       text NOT NULL REFERENCES archive_subject_keys (key_id),
        regime       text,
        filed_at     timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX archive_complaint_subjects_key ON archive_complaint_subjects (key_id)`);
    await appendOnly(q, 'archive_complaint_subjects');

    await q.query(`
      CREATE TABLE archive_legal_holds (
        id             uuid PRIMARY KEY,
        complaint_id   uuid NOT NULL,
        reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        reference      text NOT NULL CHECK (reference ~ '^[A-Za-z0-9 ._:/-]{1,100}$'),
        placed_at      timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        placed_by      text NOT NULL,
        released_at    timestamptz(3),
        released_by    text,
        release_reason text CHECK (length(release_reason) BETWEEN 1 AND 500),
        CHECK ((released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (release_reason IS NULL))
      )`);
    await q.query(`CREATE INDEX archive_legal_holds_active ON archive_legal_holds (complaint_id) WHERE released_at IS NULL`);
    await q.query(`
      CREATE FUNCTION archive_legal_holds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'archive_legal_holds: % refused: a hold is released, never removed', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.released_at IS NOT NULL THEN
          RAISE EXCEPTION 'archive_legal_holds: hold % is released already', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id OR NEW.reason IS DISTINCT FROM OLD.reason
           OR NEW.reference IS DISTINCT FROM OLD.reference OR NEW.placed_at IS DISTINCT FROM OLD.placed_at OR NEW.placed_by IS DISTINCT FROM OLD.placed_by THEN
          RAISE EXCEPTION 'archive_legal_holds: only the release can be added to a hold' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER archive_legal_holds_guard BEFORE UPDATE OR DELETE ON archive_legal_holds FOR EACH ROW EXECUTE FUNCTION archive_legal_holds_guard()`);
    await q.query(`CREATE TRIGGER archive_legal_holds_no_truncate BEFORE TRUNCATE ON archive_legal_holds FOR EACH STATEMENT EXECUTE FUNCTION archive_legal_holds_guard()`);

    await q.query(`
      CREATE TABLE archive_purges (
        id           uuid PRIMARY KEY,
        customer_ref text NOT NULL,
        complaints   uuid[] NOT NULL,
        key_ids      text[] NOT NULL,
        as_of        timestamptz(3) NOT NULL,
        reference    text CHECK (reference ~ '^[A-Za-z0-9 ._:/-]{1,100}$'),
        purged_at    timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        actor        text NOT NULL,
        roles        text[] NOT NULL
      )`);
    await q.query(`CREATE INDEX archive_purges_customer ON archive_purges (customer_ref)`);
    await appendOnly(q, 'archive_purges');

    const schema = await schemaOf(q);
    const role = archiveWriterRole(schema);
    const [{ exists }]: { exists: boolean }[] = await q.query(`SELECT to_regrole($1) IS NOT NULL AS exists`, [ident(role)]);
    if (exists) {
      const s = ident(schema);
      const r = ident(role);
      for (const table of ['archive_subject_keys', 'archive_complaint_subjects', 'archive_legal_holds', 'archive_purges']) {
        await q.query(`REVOKE ALL ON ${s}.${table} FROM PUBLIC`);
      }
      // Keys: made, linked, destroyed (wrapped key erased); the trigger refuses anything else.
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_subject_keys TO ${r}`);
      await q.query(`GRANT UPDATE (linked_to, wrapped_key, destroyed_at, purge_id) ON ${s}.archive_subject_keys TO ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_complaint_subjects TO ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_legal_holds TO ${r}`);
      await q.query(`GRANT UPDATE (released_at, released_by, release_reason) ON ${s}.archive_legal_holds TO ${r}`);
      await q.query(`GRANT SELECT, INSERT ON ${s}.archive_purges TO ${r}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE archive_purges`);
    await q.query(`DROP TABLE archive_legal_holds`);
    await q.query(`DROP TABLE archive_complaint_subjects`);
    await q.query(`DROP TABLE archive_subject_keys`);
    for (const fn of ['archive_purges_append_only', 'archive_legal_holds_guard', 'archive_complaint_subjects_append_only', 'archive_subject_keys_guard']) {
      await q.query(`DROP FUNCTION ${fn}()`);
    }
  }
}

async function appendOnly(q: QueryRunner, table: string): Promise<void> {
  await q.query(`
    CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '${table} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_append_only()`);
}

