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

/**
 * A case's remedies across its decisions: withdrawn with a decision that no longer stands, a
 * top-up when a later decision grants more, the reopening a paid remedy outlived, and a lower
 * later decision left standing. A withdrawn remedy's unsent payout is cancelled, never sent.
 */
export class RemedyRevisions1764892800000 implements MigrationInterface {
  name = 'RemedyRevisions1764892800000';

  async up(q: QueryRunner): Promise<void> {
    // A top-up is a remedy of its own on the same case; only one may wait for approval at a time.
    await q.query(`ALTER TABLE remedies DROP CONSTRAINT remedies_case_id_key`);
    await q.query(`CREATE INDEX remedies_case ON remedies (case_id)`);
    await q.query(`CREATE UNIQUE INDEX remedies_one_proposal_per_case ON remedies (case_id) WHERE status = 'proposed'`);
    await q.query(`
      ALTER TABLE remedies
        DROP CONSTRAINT remedies_status,
        ADD CONSTRAINT remedies_status CHECK (status IN ('proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversing', 'reversed', 'withdrawn')),
        ADD COLUMN decision_amount_minor bigint CHECK (decision_amount_minor > amount_minor),
        ADD COLUMN withdrawal_cause      text CHECK (withdrawal_cause IN ('case-reopened', 'later-decision')),
        ADD COLUMN withdrawal_reason     text,
        ADD COLUMN withdrawn_by          text,
        ADD COLUMN case_reopened_at      timestamptz,
        ADD COLUMN case_reopen_reason    text,
        ADD COLUMN later_decision        jsonb`);
    await q.query(`
      ALTER TABLE payouts
        DROP CONSTRAINT payouts_status_check,
        ADD CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'instructing', 'booked', 'refused', 'failed', 'cancelled'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE payouts
        DROP CONSTRAINT payouts_status_check,
        ADD CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'instructing', 'booked', 'refused', 'failed'))`);
    await q.query(`
      ALTER TABLE remedies
        DROP CONSTRAINT remedies_status,
        ADD CONSTRAINT remedies_status CHECK (status IN ('proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversing', 'reversed')),
        DROP COLUMN decision_amount_minor, DROP COLUMN withdrawal_cause, DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by,
        DROP COLUMN case_reopened_at, DROP COLUMN case_reopen_reason, DROP COLUMN later_decision`);
    await q.query(`DROP INDEX remedies_one_proposal_per_case, remedies_case`);
    await q.query(`ALTER TABLE remedies ADD CONSTRAINT remedies_case_id_key UNIQUE (case_id)`);
  }
}

/**
 * A reversal is asked for and confirmed under the approval matrix (the approvers of the reversal,
 * apart from those of the payout), and a declined request is kept on the remedy. A payout still
 * has at most one reversal instruction (`UNIQUE (remedy_id, kind)`): a refused one is final.
 */
export class RemedyReversalControls1765238400000 implements MigrationInterface {
  name = 'RemedyReversalControls1765238400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE remedies
        DROP CONSTRAINT remedies_status,
        ADD CONSTRAINT remedies_status CHECK (status IN ('proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversal-requested', 'reversing', 'reversed', 'withdrawn')),
        ADD COLUMN reversal_approvals jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN reversal_rejection jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A request waiting for its confirmation is dropped with the step it waited in: the payout stands.
    await q.query(`UPDATE remedies SET status = 'paid', reversal_reason = NULL, reversed_by = NULL WHERE status = 'reversal-requested'`);
    await q.query(`
      ALTER TABLE remedies
        DROP CONSTRAINT remedies_status,
        ADD CONSTRAINT remedies_status CHECK (status IN ('proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversing', 'reversed', 'withdrawn')),
        DROP COLUMN reversal_approvals, DROP COLUMN reversal_rejection`);
  }
}

/**
 * The latest decision compensation acted on for each case (its review round and when it was
 * issued), so that a decision or reopening it supersedes, arriving late (a replayed dead letter, a
 * consumer group reset), changes nothing. A row without a decision is a reopening seen first: it
 * is there to be locked. Cases decided before this table existed have no row until their next
 * decision.
 */
export class CaseDecisions1796800000000 implements MigrationInterface {
  name = 'CaseDecisions1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_decisions (
        case_id      uuid PRIMARY KEY,
        complaint_id uuid NOT NULL,
        review_round smallint,
        issued_at    timestamptz,
        updated_at   timestamptz NOT NULL,
        CHECK ((review_round IS NULL) = (issued_at IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_decisions`);
  }
}

/**
 * The latest reopening compensation saw for each case, so that a decision issued before it and
 * handled after it (a dead letter replayed once the reopening was handled) changes nothing: the
 * reopening voided it. Cases reopened before this column existed take the moment compensation
 * handled their reopening (a row without a decision, a remedy withdrawn or marked for it): no
 * earlier than the reopening itself, so a voided decision is still refused.
 */
export class CaseReopenings1796920400000 implements MigrationInterface {
  name = 'CaseReopenings1796920400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_decisions ADD COLUMN reopened_at timestamptz`);
    await q.query(`
      UPDATE case_decisions d SET reopened_at = seen.at
        FROM (
          SELECT case_id, max(at) AS at FROM (
            SELECT case_id, updated_at AS at FROM case_decisions WHERE review_round IS NULL
            UNION ALL
            SELECT case_id, case_reopened_at FROM remedies WHERE case_reopened_at IS NOT NULL
            UNION ALL
            SELECT case_id, updated_at FROM remedies WHERE withdrawal_cause = 'case-reopened'
          ) handled
          GROUP BY case_id
        ) seen
       WHERE d.case_id = seen.case_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_decisions DROP COLUMN reopened_at`);
  }
}

export const compensationMigrations = [
  CreateRemedies1763885200000,
  RemedyPayouts1764806400000,
  RemedyRevisions1764892800000,
  RemedyReversalControls1765238400000,
  CaseDecisions1796800000000,
  CaseReopenings1796920400000,
];
