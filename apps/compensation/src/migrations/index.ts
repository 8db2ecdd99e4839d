import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationCipher } from '@complaints/platform';

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

/** The remedy's staff reasons, each kept sealed in `<column>_sealed` next to the clear column it replaces. */
export const SEALED_REASON_COLUMNS = ['hold_reason', 'rejection_reason', 'reversal_reason', 'withdrawal_reason', 'case_reopen_reason'] as const;

const BATCH = 500;

const serviceCipher = (direction: 'seal' | 'open') => migrationCipher('compensation', 'staff reasons', direction);

/** Moves a text from one column of `remedies` into another a batch at a time in id order, sealing or opening it on the way. */
async function moveText(q: QueryRunner, from: string, to: string, convert: (text: string) => string): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; text: string }[] = await q.query(
      `SELECT id::text AS id, ${from} AS text FROM remedies WHERE ${from} IS NOT NULL${after === null ? '' : ' AND id > $2'} ORDER BY id LIMIT $1`,
      after === null ? [BATCH] : [BATCH, after],
    );
    if (!rows.length) return;
    await q.query(`UPDATE remedies AS r SET ${to} = u.text, ${from} = NULL FROM unnest($1::uuid[], $2::text[]) AS u(id, text) WHERE r.id = u.id`, [
      rows.map((r) => r.id),
      rows.map((r) => convert(r.text)),
    ]);
    after = rows[rows.length - 1].id;
  }
}

type DeclinedReversal = { requestedBy: string; requestReason: string | null; by: string; reason: string | null; at: string; sealed?: string };

/** Rewrites every declined reversal matching `which` a batch at a time in id order. */
async function rewriteDeclinedReversals(q: QueryRunner, which: string, rewrite: (record: DeclinedReversal) => DeclinedReversal): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; record: DeclinedReversal }[] = await q.query(
      `SELECT id::text AS id, reversal_rejection AS record FROM remedies WHERE reversal_rejection IS NOT NULL AND ${which}${after === null ? '' : ' AND id > $2'} ORDER BY id LIMIT $1`,
      after === null ? [BATCH] : [BATCH, after],
    );
    if (!rows.length) return;
    await q.query(`UPDATE remedies AS r SET reversal_rejection = u.record FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, record) WHERE r.id = u.id`, [
      rows.map((r) => r.id),
      rows.map((r) => JSON.stringify(rewrite(r.record))),
    ]);
    after = rows[rows.length - 1].id;
  }
}

/**
 * Staff reasons on a remedy quote the customer: "误付至账户 6222…，王女士要求退回", "王女士补充了新的流水".
 * A mask finds the numbers but not the name. They are written sealed from now on, with the
 * platform's PII keys, and the rows already stored are sealed here: the hold, rejection, reversal,
 * withdrawal and reopening reasons into `<column>_sealed`, a declined reversal's two reasons into a
 * `sealed` member of its jsonb (its other members left empty rather than absent, see
 * `sealedReversalRejection`). Needs the service's `PII_KEYS` where there is text to seal (the
 * migration Job included).
 *
 * The clear columns stay, empty, for a replica still on the earlier version while the release rolls
 * out; the service reads either. What such a replica writes must not be shadowed by the sealed text
 * it replaces, nor leave a reason the replica meant to clear, so a trigger keeps three rules:
 * - a reason written in clear (on an insert, or changed by an update) is the newer one: its sealed
 *   twin is dropped;
 * - a reversal's reason belongs to whoever asked for it (`reversed_by`): when a declined request
 *   clears the requester, the reason goes too, sealed or not;
 * - a hold is why a proposal waits for a person: when the remedy is approved or withdrawn it ends,
 *   sealed or not.
 * The service itself keeps all three (`RemedyRecord`, `RemedyDesk`); the earlier version cleared a
 * reason only in its clear column, which alone would leave the sealed one standing.
 */
export class SealedRemedyReasons1796925600000 implements MigrationInterface {
  name = 'SealedRemedyReasons1796925600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remedies ${SEALED_REASON_COLUMNS.map((c) => `ADD COLUMN ${c}_sealed text, ADD CONSTRAINT remedies_one_${c} CHECK (${c} IS NULL OR ${c}_sealed IS NULL)`).join(', ')}`,
    );
    const cipher = serviceCipher('seal');
    for (const column of SEALED_REASON_COLUMNS) await moveText(q, column, `${column}_sealed`, (text) => cipher().encrypt(text));
    await rewriteDeclinedReversals(q, `NOT reversal_rejection ? 'sealed'`, ({ requestedBy, requestReason, by, reason, at }) => ({
      requestedBy,
      by,
      at,
      requestReason: null,
      reason: null,
      sealed: cipher().encrypt(JSON.stringify({ requestReason, reason })),
    }));

    const newerClear = SEALED_REASON_COLUMNS.map(
      (c) => `
        IF NEW.${c} IS NOT NULL THEN
          IF TG_OP = 'INSERT' THEN
            NEW.${c}_sealed := NULL;
          ELSIF NEW.${c} IS DISTINCT FROM OLD.${c} THEN
            NEW.${c}_sealed := NULL;
          END IF;
        END IF;`,
    ).join('');
    await q.query(`
      CREATE FUNCTION remedies_reasons_of_earlier_writers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN${newerClear}
        IF NEW.reversed_by IS NULL THEN
          NEW.reversal_reason := NULL;
          NEW.reversal_reason_sealed := NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.status IN ('approved', 'withdrawn') AND NEW.status IS DISTINCT FROM OLD.status THEN
          NEW.hold_reason := NULL;
          NEW.hold_reason_sealed := NULL;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER remedies_reasons_of_earlier_writers BEFORE INSERT OR UPDATE ON remedies FOR EACH ROW EXECUTE FUNCTION remedies_reasons_of_earlier_writers()`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The earlier version reads only the clear columns and members: the text goes back there rather than be lost.
    await q.query(`DROP TRIGGER remedies_reasons_of_earlier_writers ON remedies`);
    await q.query(`DROP FUNCTION remedies_reasons_of_earlier_writers()`);
    const cipher = serviceCipher('open');
    for (const column of SEALED_REASON_COLUMNS) await moveText(q, `${column}_sealed`, column, (sealed) => cipher().decrypt(sealed));
    await rewriteDeclinedReversals(q, `reversal_rejection ? 'sealed'`, ({ requestedBy, by, at, sealed }) => {
      const text = JSON.parse(cipher().decrypt(sealed!)) as { requestReason: string; reason: string };
      return { requestedBy, requestReason: text.requestReason, by, reason: text.reason, at };
    });
    await q.query(`ALTER TABLE remedies ${SEALED_REASON_COLUMNS.map((c) => `DROP CONSTRAINT remedies_one_${c}, DROP COLUMN ${c}_sealed`).join(', ')}`);
  }
}

export const compensationMigrations = [
  CreateRemedies1763885200000,
  RemedyPayouts1764806400000,
  RemedyRevisions1764892800000,
  RemedyReversalControls1765238400000,
  CaseDecisions1796800000000,
  CaseReopenings1796920400000,
  SealedRemedyReasons1796925600000,
];
