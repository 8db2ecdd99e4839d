import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRemedies1763885200000 implements MigrationInterface {
  name = 'CreateRemedies1763885200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remedies (
        id           uuid PRIMARY KEY,
        complaint_id uuid NOT NULL,
        case_id      uuid NOT NULL UNIQUE,
        type         text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency     char(3) NOT NULL,
        status       text NOT NULL,
        proposed_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX remedies_complaint ON remedies (complaint_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE remedies`);
  }
}

/**
 * Approvals, payouts through the core banking port, and a double-entry ledger. A payout's id is
 * the instruction id the core deduplicates on, so the same remedy is never paid twice.
 */
export class RemedyPayouts1764806400000 implements MigrationInterface {
  name = 'RemedyPayouts1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE remedies
        ADD COLUMN route            text CHECK (route IN ('automatic', 'single', 'four-eyes')),
        ADD COLUMN proposed_by      text,
        ADD COLUMN customer_ref     text,
        ADD COLUMN approvals        jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN hold_reason      text,
        ADD COLUMN rejection_reason text,
        ADD COLUMN rejected_by      text,
        ADD COLUMN reversal_reason  text,
        ADD COLUMN reversed_by      text,
        ADD COLUMN approved_at      timestamptz,
        ADD COLUMN updated_at       timestamptz,
        ADD CONSTRAINT remedies_status CHECK (status IN ('proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversing', 'reversed'))`);
    await q.query(`CREATE INDEX remedies_customer_cap ON remedies (customer_ref, currency, approved_at) WHERE approved_at IS NOT NULL`);
    await q.query(`CREATE INDEX remedies_awaiting ON remedies (proposed_at) WHERE status = 'proposed'`);
    await q.query(`
      CREATE TABLE complaint_customers (
        complaint_id  uuid PRIMARY KEY,
        customer_ref  text NOT NULL,
        ticket_number text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE payouts (
        id              uuid PRIMARY KEY,
        remedy_id       uuid NOT NULL REFERENCES remedies (id),
        kind            text NOT NULL CHECK (kind IN ('payout', 'reversal')),
        amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
        currency        char(3) NOT NULL,
        customer_ref    text NOT NULL,
        status          text NOT NULL CHECK (status IN ('pending', 'instructing', 'booked', 'refused', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        claimed_until   timestamptz,
        core_reference  text UNIQUE,
        last_error      text,
        -- The request or event that approved the payout: its outcome events continue that story.
        correlation_id  text,
        created_at      timestamptz NOT NULL,
        settled_at      timestamptz,
        UNIQUE (remedy_id, kind)
      )`);
    await q.query(`CREATE INDEX payouts_due ON payouts (next_attempt_at) WHERE status IN ('pending', 'instructing')`);
    await q.query(`
      CREATE TABLE ledger_entries (
        id             uuid PRIMARY KEY,
        instruction_id uuid NOT NULL UNIQUE REFERENCES payouts (id),
        remedy_id      uuid NOT NULL REFERENCES remedies (id),
        kind           text NOT NULL CHECK (kind IN ('payout', 'reversal')),
        posted_at      timestamptz NOT NULL,
        memo           text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE ledger_postings (
        entry_id     uuid NOT NULL REFERENCES ledger_entries (id),
        line         smallint NOT NULL,
        account      text NOT NULL,
        debit_minor  bigint NOT NULL CHECK (debit_minor >= 0),
        credit_minor bigint NOT NULL CHECK (credit_minor >= 0),
        currency     char(3) NOT NULL,
        PRIMARY KEY (entry_id, line),
        CHECK ((debit_minor = 0) <> (credit_minor = 0))
      )`);
    // The ledger is written once: a correction is a new entry (a reversal), never an edit.
    await q.query(`
      CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$`);
    await q.query(`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only()`);
    await q.query(`CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_postings, ledger_entries, payouts, complaint_customers`);
    await q.query(`DROP FUNCTION ledger_is_append_only()`);
    await q.query(`DROP INDEX remedies_customer_cap, remedies_awaiting`);
    await q.query(`
      ALTER TABLE remedies DROP CONSTRAINT remedies_status,
        DROP COLUMN route, DROP COLUMN proposed_by, DROP COLUMN customer_ref, DROP COLUMN approvals, DROP COLUMN hold_reason,
        DROP COLUMN rejection_reason, DROP COLUMN rejected_by, DROP COLUMN reversal_reason, DROP COLUMN reversed_by,
        DROP COLUMN approved_at, DROP COLUMN updated_at`);
  }
}

export const compensationMigrations = [CreateRemedies1763885200000, RemedyPayouts1764806400000];
