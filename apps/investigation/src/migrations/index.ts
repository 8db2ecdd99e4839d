import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationCipher } from '@complaints/platform';

export class CreateCases1763885100000 implements MigrationInterface {
  name = 'CreateCases1763885100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id              uuid PRIMARY KEY,
        complaint_id    uuid NOT NULL UNIQUE,
        ticket_number   text NOT NULL,
        department      text NOT NULL,
        severity        text NOT NULL,
        status          text NOT NULL CHECK (status IN ('open', 'resolved')),
        response_due_by timestamptz NOT NULL,
        opened_at       timestamptz NOT NULL,
        resolution      jsonb,
        CHECK ((status = 'resolved') = (resolution IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX cases_queue ON cases (department, status, response_due_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cases`);
  }
}

/** A customer may withdraw before the case opens; the withdrawal waits here for it. */
export class CaseWithdrawals1763971500000 implements MigrationInterface {
  name = 'CaseWithdrawals1763971500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP CONSTRAINT cases_status_check`);
    await q.query(`ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('open', 'resolved', 'withdrawn'))`);
    await q.query(`ALTER TABLE cases ADD COLUMN withdrawn_at timestamptz`);
    await q.query(`CREATE TABLE withdrawals (complaint_id uuid PRIMARY KEY, withdrawn_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE withdrawals`);
    await q.query(`ALTER TABLE cases DROP COLUMN withdrawn_at`);
  }
}

/**
 * The case as handlers work it: the lifecycle states of libs/domain's case machine, assignment
 * with conflict-of-interest exclusions (回避), department tasks, the evidence register and its
 * custody log, the contact log and notes (sealed: they quote the customer), approvals, reviews
 * (核查) and improvement actions (整改). Every transition is kept with who, when and why.
 */
export class CaseWork1764720000000 implements MigrationInterface {
  name = 'CaseWork1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP CONSTRAINT cases_status_check`);
    await q.query(`ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_check`);
    await q.query(`UPDATE cases SET status = CASE status WHEN 'open' THEN 'awaiting-assignment' WHEN 'resolved' THEN 'responded' ELSE status END`);
    await q.query(`
      ALTER TABLE cases
        ADD CONSTRAINT cases_status_check CHECK (status IN ('awaiting-assignment', 'investigating', 'awaiting-approval', 'responded', 'under-review', 'closed', 'withdrawn')),
        ADD COLUMN regime            text NOT NULL DEFAULT 'cn-cbirc',
        ADD COLUMN period            text,
        ADD COLUMN category          text,
        ADD COLUMN level             integer NOT NULL DEFAULT 1,
        ADD COLUMN review_round      integer NOT NULL DEFAULT 0,
        ADD COLUMN assigned_to       text,
        ADD COLUMN involved_staff    text[] NOT NULL DEFAULT '{}',
        ADD COLUMN previous_deciders text[] NOT NULL DEFAULT '{}',
        ADD COLUMN findings          jsonb,
        ADD COLUMN proposal          jsonb,
        ADD COLUMN responded_at      timestamptz,
        ADD COLUMN review_due_by     timestamptz,
        ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now()`);
    await q.query(`DROP INDEX IF EXISTS cases_queue`);
    await q.query(`CREATE INDEX cases_queue ON cases (department, level, status, response_due_by)`);
    await q.query(`CREATE INDEX cases_assignee ON cases (assigned_to, status) WHERE assigned_to IS NOT NULL`);
    await q.query(`
      CREATE TABLE case_transitions (
        id         bigserial PRIMARY KEY,
        case_id    uuid NOT NULL REFERENCES cases(id),
        action     text NOT NULL,
        from_state text NOT NULL,
        to_state   text NOT NULL,
        at         timestamptz NOT NULL,
        actor      text NOT NULL,
        reason     text
      )`);
    await q.query(`CREATE INDEX case_transitions_case ON case_transitions (case_id, id)`);
    await q.query(`
      CREATE TABLE investigators (
        staff_id     text PRIMARY KEY,
        department   text NOT NULL,
        skills       text[] NOT NULL DEFAULT '{}',
        line_manager text,
        capacity     integer NOT NULL CHECK (capacity BETWEEN 0 AND 1000),
        active       boolean NOT NULL DEFAULT true,
        updated_by   text NOT NULL,
        updated_at   timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE case_declared_interests (
        case_id     uuid NOT NULL REFERENCES cases(id),
        staff_id    text NOT NULL,
        reason      text NOT NULL,
        declared_by text NOT NULL,
        declared_at timestamptz NOT NULL,
        PRIMARY KEY (case_id, staff_id)
      )`);
    await q.query(`
      CREATE TABLE case_assignments (
        id           bigserial PRIMARY KEY,
        case_id      uuid NOT NULL REFERENCES cases(id),
        investigator text NOT NULL,
        assigned_by  text NOT NULL,
        method       text NOT NULL,
        level        integer NOT NULL,
        review_round integer NOT NULL,
        excluded     jsonb NOT NULL,
        at           timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE case_tasks (
        id                uuid PRIMARY KEY,
        case_id           uuid NOT NULL REFERENCES cases(id),
        department        text NOT NULL,
        owner             text,
        request           text NOT NULL,
        due_by            timestamptz NOT NULL,
        status            text NOT NULL CHECK (status IN ('open', 'done')),
        result            text,
        requested_by      text NOT NULL,
        requested_at      timestamptz NOT NULL,
        completed_by      text,
        completed_at      timestamptz,
        reminded_at       timestamptz,
        overdue_notice_at timestamptz,
        CHECK ((status = 'done') = (result IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX case_tasks_open ON case_tasks (due_by) WHERE status = 'open'`);
    await q.query(`CREATE INDEX case_tasks_case ON case_tasks (case_id)`);
    await q.query(`
      CREATE TABLE case_evidence (
        id            uuid PRIMARY KEY,
        case_id       uuid NOT NULL REFERENCES cases(id),
        kind          text NOT NULL,
        source_system text NOT NULL,
        reference     text,
        description   text NOT NULL,
        sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size          bigint,
        content_type  text,
        storage_key   text,
        added_by      text NOT NULL,
        added_at      timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX case_evidence_case ON case_evidence (case_id, added_at)`);
    await q.query(`
      CREATE TABLE evidence_custody (
        id          bigserial PRIMARY KEY,
        evidence_id uuid NOT NULL REFERENCES case_evidence(id),
        at          timestamptz NOT NULL,
        actor       text NOT NULL,
        action      text NOT NULL,
        detail      text
      )`);
    await q.query(`CREATE INDEX evidence_custody_evidence ON evidence_custody (evidence_id, id)`);
    await q.query(`
      CREATE TABLE case_contacts (
        id             uuid PRIMARY KEY,
        case_id        uuid NOT NULL REFERENCES cases(id),
        at             timestamptz NOT NULL,
        direction      text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        channel        text NOT NULL,
        outcome        text NOT NULL,
        summary_sealed text NOT NULL,
        logged_by      text NOT NULL
      )`);
    await q.query(`CREATE INDEX case_contacts_case ON case_contacts (case_id, at)`);
    await q.query(`
      CREATE TABLE case_notes (
        id          uuid PRIMARY KEY,
        case_id     uuid NOT NULL REFERENCES cases(id),
        at          timestamptz NOT NULL,
        author      text NOT NULL,
        body_sealed text NOT NULL
      )`);
    await q.query(`CREATE INDEX case_notes_case ON case_notes (case_id, at)`);
    await q.query(`
      CREATE TABLE case_extension_requests (
        id              uuid PRIMARY KEY,
        case_id         uuid NOT NULL REFERENCES cases(id),
        to_period       text NOT NULL,
        reason          text NOT NULL,
        requested_by    text NOT NULL,
        requested_at    timestamptz NOT NULL,
        decision        text CHECK (decision IN ('approved', 'rejected')),
        decided_by      text,
        decided_at      timestamptz,
        decision_reason text,
        senior_approval boolean
      )`);
    await q.query(`CREATE UNIQUE INDEX case_extension_requests_pending ON case_extension_requests (case_id) WHERE decision IS NULL`);
    await q.query(`
      CREATE TABLE improvement_actions (
        id                 uuid PRIMARY KEY,
        source_case_id     uuid NOT NULL REFERENCES cases(id),
        root_cause         text NOT NULL,
        department         text NOT NULL,
        measure            text NOT NULL,
        due_by             timestamptz NOT NULL,
        status             text NOT NULL,
        effectiveness_note text,
        raised_by          text NOT NULL,
        raised_at          timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX improvement_actions_department ON improvement_actions (department, status, due_by)`);
    await q.query(`
      CREATE TABLE improvement_action_cases (
        action_id uuid NOT NULL REFERENCES improvement_actions(id),
        case_id   uuid NOT NULL REFERENCES cases(id),
        linked_by text NOT NULL,
        linked_at timestamptz NOT NULL,
        PRIMARY KEY (action_id, case_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['improvement_action_cases', 'improvement_actions', 'case_extension_requests', 'case_notes', 'case_contacts', 'evidence_custody', 'case_evidence', 'case_tasks', 'case_assignments', 'case_declared_interests', 'investigators', 'case_transitions']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}

/**
 * Task requests and results and evidence descriptions quote the customer (a card number to check, a
 * recording of their call): they are written sealed from now on. Earlier rows keep their clear text,
 * which the service still reads.
 */
export class SealedCaseText1796745600000 implements MigrationInterface {
  name = 'SealedCaseText1796745600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_tasks
        ADD COLUMN request_sealed text,
        ADD COLUMN result_sealed text,
        ALTER COLUMN request DROP NOT NULL,
        ADD CONSTRAINT case_tasks_one_request CHECK ((request IS NULL) <> (request_sealed IS NULL)),
        DROP CONSTRAINT case_tasks_check,
        ADD CONSTRAINT case_tasks_result_when_done CHECK ((status = 'done') = (result IS NOT NULL OR result_sealed IS NOT NULL)),
        ADD CONSTRAINT case_tasks_one_result CHECK (result IS NULL OR result_sealed IS NULL)`);
    await q.query(`
      ALTER TABLE case_evidence
        ADD COLUMN description_sealed text,
        ALTER COLUMN description DROP NOT NULL,
        ADD CONSTRAINT case_evidence_one_description CHECK ((description IS NULL) <> (description_sealed IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Sealed texts cannot be opened here (the keys live with the service): those rows lose their text.
    await q.query(`ALTER TABLE case_evidence DROP CONSTRAINT case_evidence_one_description`);
    await q.query(`UPDATE case_evidence SET description = '' WHERE description IS NULL`);
    await q.query(`ALTER TABLE case_evidence DROP COLUMN description_sealed, ALTER COLUMN description SET NOT NULL`);
    await q.query(`ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_one_request, DROP CONSTRAINT case_tasks_one_result, DROP CONSTRAINT case_tasks_result_when_done`);
    await q.query(`UPDATE case_tasks SET request = '' WHERE request IS NULL`);
    await q.query(`UPDATE case_tasks SET result = '' WHERE result IS NULL AND result_sealed IS NOT NULL`);
    await q.query(`ALTER TABLE case_tasks DROP COLUMN request_sealed, DROP COLUMN result_sealed, ALTER COLUMN request SET NOT NULL, ADD CONSTRAINT case_tasks_check CHECK ((status = 'done') = (result IS NOT NULL))`);
  }
}

/** A text column kept sealed in `<column>_sealed` next to it, in a table walked by `key`. */
interface StaffText {
  table: string;
  key: string;
  keyType: 'uuid' | 'bigint';
  column: string;
}

const STAFF_TEXT: readonly StaffText[] = [
  { table: 'case_transitions', key: 'id', keyType: 'bigint', column: 'reason' },
  { table: 'case_declared_interests', key: 'id', keyType: 'uuid', column: 'reason' },
  { table: 'case_extension_requests', key: 'id', keyType: 'uuid', column: 'reason' },
  { table: 'case_extension_requests', key: 'id', keyType: 'uuid', column: 'decision_reason' },
  { table: 'improvement_actions', key: 'id', keyType: 'uuid', column: 'measure' },
  { table: 'improvement_actions', key: 'id', keyType: 'uuid', column: 'effectiveness_note' },
];

const BATCH = 500;

const serviceCipher = (direction: 'seal' | 'open') => migrationCipher('investigation', 'staff text', direction);

/** Moves a text from one column into the other a batch at a time in key order, sealing or opening it on the way. */
async function moveText(q: QueryRunner, t: StaffText, from: string, to: string, convert: (text: string) => string): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows: { key: string; text: string }[] = await q.query(
      `SELECT ${t.key}::text AS key, ${from} AS text FROM ${t.table} WHERE ${from} IS NOT NULL${after === null ? '' : ` AND ${t.key} > $2`} ORDER BY ${t.key} LIMIT $1`,
      after === null ? [BATCH] : [BATCH, after],
    );
    if (!rows.length) return;
    await q.query(
      `UPDATE ${t.table} AS t SET ${to} = u.text, ${from} = NULL FROM unnest($1::${t.keyType}[], $2::text[]) AS u(key, text) WHERE t.${t.key} = u.key`,
      [rows.map((r) => r.key), rows.map((r) => convert(r.text))],
    );
    after = rows[rows.length - 1].key;
  }
}

/**
 * The reasons staff give for a step (an escalation, a review the customer asked for, a reopening, a
 * closure, a rejected proposal, an assignment, an extension and its decision, a declared interest)
 * and an improvement action's measure and effectiveness note quote the customer as much as a note
 * does: "客户王某来电 13900001111 要求复核", "回拨客户 13700004321 后复盘话术". They are written sealed
 * from now on, and the rows already stored are sealed here, with the service's PII keys.
 *
 * The clear columns stay, empty, for a replica still on the earlier version while the release
 * rolls out; the service reads either. A declared interest gains a key of its own, the one the key
 * rotation (pii:rewrap) walks its table by.
 */
export class SealedStaffText1796920316000 implements MigrationInterface {
  name = 'SealedStaffText1796920316000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_transitions
        ADD COLUMN reason_sealed text,
        ADD CONSTRAINT case_transitions_one_reason CHECK (reason IS NULL OR reason_sealed IS NULL)`);
    await q.query(`
      ALTER TABLE case_declared_interests
        ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() CONSTRAINT case_declared_interests_id UNIQUE,
        ADD COLUMN reason_sealed text,
        ALTER COLUMN reason DROP NOT NULL,
        ADD CONSTRAINT case_declared_interests_one_reason CHECK ((reason IS NULL) <> (reason_sealed IS NULL))`);
    await q.query(`
      ALTER TABLE case_extension_requests
        ADD COLUMN reason_sealed text,
        ADD COLUMN decision_reason_sealed text,
        ALTER COLUMN reason DROP NOT NULL,
        ADD CONSTRAINT case_extension_requests_one_reason CHECK ((reason IS NULL) <> (reason_sealed IS NULL)),
        ADD CONSTRAINT case_extension_requests_one_decision_reason CHECK (decision_reason IS NULL OR decision_reason_sealed IS NULL)`);
    await q.query(`
      ALTER TABLE improvement_actions
        ADD COLUMN measure_sealed text,
        ADD COLUMN effectiveness_note_sealed text,
        ALTER COLUMN measure DROP NOT NULL,
        ADD CONSTRAINT improvement_actions_one_measure CHECK ((measure IS NULL) <> (measure_sealed IS NULL)),
        ADD CONSTRAINT improvement_actions_one_effectiveness_note CHECK (effectiveness_note IS NULL OR effectiveness_note_sealed IS NULL)`);
    const cipher = serviceCipher('seal');
    for (const t of STAFF_TEXT) await moveText(q, t, t.column, `${t.column}_sealed`, (text) => cipher().encrypt(text));
  }

  async down(q: QueryRunner): Promise<void> {
    // The earlier version reads only the clear columns: the text goes back there rather than be lost.
    const cipher = serviceCipher('open');
    for (const t of STAFF_TEXT) await moveText(q, t, `${t.column}_sealed`, t.column, (sealed) => cipher().decrypt(sealed));
    await q.query(`ALTER TABLE improvement_actions DROP COLUMN measure_sealed, DROP COLUMN effectiveness_note_sealed, ALTER COLUMN measure SET NOT NULL`);
    await q.query(`ALTER TABLE case_extension_requests DROP COLUMN reason_sealed, DROP COLUMN decision_reason_sealed, ALTER COLUMN reason SET NOT NULL`);
    await q.query(`ALTER TABLE case_declared_interests DROP COLUMN id, DROP COLUMN reason_sealed, ALTER COLUMN reason SET NOT NULL`);
    await q.query(`ALTER TABLE case_transitions DROP COLUMN reason_sealed`);
  }
}

/** The tables holding staff text next to its sealed twin, each with the text columns `SealedStaffText1796920316000` sealed. */
const STAFF_TEXT_TABLES: readonly string[] = [...new Set(STAFF_TEXT.map((t) => t.table))];

/**
 * A replica still on the earlier version while the release rolls out writes a reason, a measure or
 * a note in clear over a row whose text is already sealed: re-declaring an interest
 * (`ON CONFLICT … DO UPDATE SET reason = EXCLUDED.reason`), an improvement status change with a note,
 * a decision on an extension. The one-text CHECKs of `SealedStaffText1796920316000` refused those
 * writes (a 500 on the earlier replica). Before a row is stored, a clear text written into it (on an
 * insert, or changed by an update) now drops its sealed twin: the newer text is the one kept, the
 * CHECKs hold, and the service reads the clear column when the sealed one is empty.
 */
export class NewerClearStaffText1796921000000 implements MigrationInterface {
  name = 'NewerClearStaffText1796921000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of STAFF_TEXT_TABLES) {
      const drops = STAFF_TEXT.filter((t) => t.table === table)
        .map(
          ({ column }) => `
          IF NEW.${column} IS NOT NULL THEN
            IF TG_OP = 'INSERT' THEN
              NEW.${column}_sealed := NULL;
            ELSIF NEW.${column} IS DISTINCT FROM OLD.${column} THEN
              NEW.${column}_sealed := NULL;
            END IF;
          END IF;`,
        )
        .join('');
      await q.query(`
        CREATE FUNCTION ${table}_newer_clear_text() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN${drops}
          RETURN NEW;
        END $$`);
      await q.query(`CREATE TRIGGER ${table}_newer_clear_text BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_newer_clear_text()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of STAFF_TEXT_TABLES) {
      await q.query(`DROP TRIGGER ${table}_newer_clear_text ON ${table}`);
      await q.query(`DROP FUNCTION ${table}_newer_clear_text()`);
    }
  }
}

export const investigationMigrations = [
  CreateCases1763885100000,
  CaseWithdrawals1763971500000,
  CaseWork1764720000000,
  SealedCaseText1796745600000,
  SealedStaffText1796920316000,
  NewerClearStaffText1796921000000,
];
