import { MigrationInterface, QueryRunner } from 'typeorm';

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

export const archiveMigrations = [CreateArchive1763885400000];
