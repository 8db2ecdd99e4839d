import { createHash } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { ArchiveCheckpoints1764547300000 } from './1764547300000-checkpoints';
import { ArchiveRetrievals1764547400000 } from './1764547400000-retrievals';
import { ArchiveComplaintIndex1764633700000 } from './1764633700000-complaint-index';
import { ArchiveRetention1764633800000 } from './1764633800000-retention';
import { ArchiveMessagingHousekeeping1796661115000 } from './1796661115000-messaging-housekeeping';
import { ArchiveIndexReopenings1796750000000 } from './1796750000000-index-reopenings';
import { ArchiveSealedHoldReasons1796851200000 } from './1796851200000-sealed-hold-reasons';
import { ArchiveIndexRedressClosures1796860000000 } from './1796860000000-index-redress-closures';
import { ArchiveIndexWithdrawnAfterReopening1796870000000 } from './1796870000000-index-withdrawn-after-reopening';
import { ArchiveSubjectKeyRotation1797120000000 } from './1797120000000-subject-key-rotation';

/**
 * The login role the archive can run as: named after the schema, since roles are cluster-wide and
 * every schema (each test's too) needs its own. A name past Postgres's 63 bytes would be cut
 * short silently, so a long schema name is shortened here, with a hash of it to keep it unique.
 */
export function archiveWriterRole(schema: string): string {
  const plain = `${schema}_writer`;
  if (Buffer.byteLength(plain) <= 63) return plain;
  return `${schema.slice(0, 63 - '_writer'.length - 9)}_${createHash('sha256').update(schema).digest('hex').slice(0, 8)}_writer`;
}

/** A quoted SQL identifier (role and schema names come from configuration). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class CreateArchive1763885400000 implements MigrationInterface {
  name = 'CreateArchive1763885400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE archive_entries (
        seq              bigint PRIMARY KEY,
        event_id         uuid NOT NULL UNIQUE,
        complaint_id     uuid NOT NULL,
        event_type       text NOT NULL,
        event_version    int NOT NULL,
        producer         text NOT NULL,
        occurred_at      timestamptz NOT NULL,
        source_topic     text NOT NULL,
        source_partition int NOT NULL,
        source_offset    bigint NOT NULL,
        canonical        text NOT NULL,
        prev_hash        char(64) NOT NULL,
        entry_hash       char(64) NOT NULL UNIQUE,
        archived_at      timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX archive_entries_complaint ON archive_entries (complaint_id, occurred_at, seq)`);
    // The head of the hash chain: one row, locked by each append so the chain has no forks.
    await q.query(`CREATE TABLE chain_head (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, entry_hash char(64) NOT NULL)`);
    await q.query(`INSERT INTO chain_head (seq, entry_hash) VALUES (0, repeat('0', 64))`);
    // Append-only: no row of the record is ever changed or removed, whoever asks.
    await q.query(`
      CREATE FUNCTION archive_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'archive_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER archive_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON archive_entries
      FOR EACH STATEMENT EXECUTE FUNCTION archive_entries_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE chain_head`);
    await q.query(`DROP TABLE archive_entries`);
    await q.query(`DROP FUNCTION archive_entries_append_only()`);
  }
}

/**
 * A role that can append to the archive and never change or remove what is in it. The trigger
 * refuses UPDATE, DELETE and TRUNCATE to everyone; this role is not even granted them, and owns
 * nothing, so it cannot drop the trigger or the table either. Run as the owner, like every
 * migration; the service may then connect as this role (docs/archive.md). A role created
 * beforehand by a DBA is used as it is, but its privileges here are reset to exactly these.
 */
export class ArchiveWriterRole1764547200000 implements MigrationInterface {
  name = 'ArchiveWriterRole1764547200000';

  async up(q: QueryRunner): Promise<void> {
    const schema = await schemaOf(q);
    const role = archiveWriterRole(schema);
    const [existing]: { rolsuper: boolean; rolbypassrls: boolean; owner: boolean }[] = await q.query(
      `SELECT rolsuper, rolbypassrls, rolname = current_user AS owner FROM pg_roles WHERE rolname = $1`,
      [role],
    );
    if (!existing) {
      // LOGIN without a password: production sets one (or certificate / IAM auth) outside the code.
      await q.query(`CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    } else if (existing.rolsuper || existing.rolbypassrls || existing.owner) {
      throw new Error(`role ${role} exists but is a superuser, bypasses row security or owns the archive; it cannot be the archive's writer`);
    }
    const [{ db }]: { db: string }[] = await q.query(`SELECT current_database() AS db`);
    await q.query(`COMMENT ON ROLE ${ident(role)} IS ${literal(`compliance-archive writer of schema ${schema} in database ${db}: appends to archive_entries, cannot change or remove it`)}`);
    const s = ident(schema);
    const r = ident(role);
    await q.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
    await q.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${r}`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r}`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${r}`);
    await q.query(`REVOKE ALL ON ${s}.archive_entries FROM PUBLIC`);
    await q.query(`GRANT SELECT, INSERT ON ${s}.archive_entries TO ${r}`);
    // Said again on its own, so no later grant of ALL can be mistaken for intent.
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${s}.archive_entries FROM ${r}`);
    // The head row moves with every append (SELECT ... FOR UPDATE needs UPDATE too).
    await q.query(`GRANT SELECT, UPDATE ON ${s}.chain_head TO ${r}`);
    // Messaging: the outbox, the relay marking rows published, the consumer's idempotency log.
    await q.query(`GRANT SELECT, INSERT, UPDATE ON ${s}.outbox TO ${r}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON ${s}.processed_events TO ${r}`);
    // The webhook table is the platform's: granted where the platform's migrations have made it.
    const [{ nonces }]: { nonces: string | null }[] = await q.query(`SELECT to_regclass($1)::text AS nonces`, [`${s}.webhook_nonces`]);
    if (nonces) await q.query(`GRANT SELECT, INSERT, DELETE ON ${s}.webhook_nonces TO ${r}`);
    await q.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    // At start-up the platform checks that no migration is pending; it reads the list, runs none.
    await q.query(`GRANT SELECT ON ${s}.schema_migrations TO ${r}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = await schemaOf(q);
    const r = ident(archiveWriterRole(schema));
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${ident(schema)} FROM ${r}`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ident(schema)} FROM ${r}`);
    await q.query(`REVOKE ALL ON SCHEMA ${ident(schema)} FROM ${r}`);
    await q.query(`DROP ROLE IF EXISTS ${r}`);
  }
}

export async function schemaOf(q: QueryRunner): Promise<string> {
  const configured = (q.connection.options as PostgresConnectionOptions).schema;
  if (configured) return configured;
  const [{ schema }]: { schema: string }[] = await q.query(`SELECT current_schema() AS schema`);
  return schema;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const archiveMigrations = [
  CreateArchive1763885400000,
  ArchiveWriterRole1764547200000,
  ArchiveCheckpoints1764547300000,
  ArchiveRetrievals1764547400000,
  ArchiveComplaintIndex1764633700000,
  ArchiveRetention1764633800000,
  ArchiveMessagingHousekeeping1796661115000,
  ArchiveIndexReopenings1796750000000,
  ArchiveSealedHoldReasons1796851200000,
  ArchiveIndexRedressClosures1796860000000,
  ArchiveIndexWithdrawnAfterReopening1796870000000,
  ArchiveSubjectKeyRotation1797120000000,
];
