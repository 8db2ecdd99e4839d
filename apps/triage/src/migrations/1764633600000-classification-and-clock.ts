import { MigrationInterface, QueryRunner } from 'typeorm';

/** Taxonomy codes, the human queue, repeats, systemic incidents and the deadline clock. */
export class TriageClassificationAndClock1764633600000 implements MigrationInterface {
  name = 'TriageClassificationAndClock1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE triage_decisions
        ADD COLUMN status               text NOT NULL DEFAULT 'routed' CHECK (status IN ('routed', 'awaiting-triage-officer')),
        ADD COLUMN taxonomy             text NOT NULL DEFAULT 'legacy',
        ADD COLUMN product              text NOT NULL DEFAULT 'unknown',
        ADD COLUMN channel              text NOT NULL DEFAULT 'unknown',
        ADD COLUMN channel_code         text,
        ADD COLUMN confidence           real NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
        ADD COLUMN triaged_by           text NOT NULL DEFAULT 'model' CHECK (triaged_by IN ('model', 'triage-officer')),
        ADD COLUMN customer_ref         text NOT NULL DEFAULT '',
        ADD COLUMN received_at          timestamptz,
        ADD COLUMN text_sketch          bigint[] NOT NULL DEFAULT '{}',
        ADD COLUMN repeat_of            uuid,
        ADD COLUMN systemic_incident_id uuid,
        ADD COLUMN clock                jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN warnings_raised      double precision[] NOT NULL DEFAULT '{}',
        ADD COLUMN breached_at          timestamptz,
        ADD COLUMN next_check_at        timestamptz`);
    await q.query(`UPDATE triage_decisions SET received_at = clock_started_at WHERE received_at IS NULL`);
    await q.query(`ALTER TABLE triage_decisions ALTER COLUMN received_at SET NOT NULL`);
    await q.query(`CREATE INDEX triage_decisions_customer ON triage_decisions (customer_ref, received_at)`);
    await q.query(`CREATE INDEX triage_decisions_codes ON triage_decisions (taxonomy, product, category, received_at)`);
    await q.query(`CREATE INDEX triage_decisions_queue ON triage_decisions (response_due_by) WHERE status = 'awaiting-triage-officer'`);
    await q.query(`CREATE INDEX triage_decisions_watch ON triage_decisions (next_check_at) WHERE next_check_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE triage_revisions (
        id           uuid PRIMARY KEY,
        complaint_id uuid NOT NULL REFERENCES triage_decisions (complaint_id),
        revised_at   timestamptz NOT NULL,
        actor        text NOT NULL,
        reason       text NOT NULL CHECK (length(trim(reason)) > 0),
        previous     jsonb NOT NULL,
        current      jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX triage_revisions_complaint ON triage_revisions (complaint_id, revised_at)`);
    await q.query(`
      CREATE TABLE systemic_incidents (
        id            uuid PRIMARY KEY,
        taxonomy      text NOT NULL,
        product       text NOT NULL,
        category      text NOT NULL,
        detected_at   timestamptz NOT NULL,
        window_start  timestamptz NOT NULL,
        window_end    timestamptz NOT NULL,
        baseline_mean real NOT NULL,
        reason        text NOT NULL,
        complaint_ids uuid[] NOT NULL
      )`);
    await q.query(`CREATE INDEX systemic_incidents_codes ON systemic_incidents (taxonomy, product, category, window_end)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE systemic_incidents`);
    await q.query(`DROP TABLE triage_revisions`);
    await q.query(`DROP INDEX triage_decisions_watch`);
    await q.query(`DROP INDEX triage_decisions_queue`);
    await q.query(`DROP INDEX triage_decisions_codes`);
    await q.query(`DROP INDEX triage_decisions_customer`);
    await q.query(`
      ALTER TABLE triage_decisions
        DROP COLUMN status, DROP COLUMN taxonomy, DROP COLUMN product, DROP COLUMN channel, DROP COLUMN channel_code,
        DROP COLUMN confidence, DROP COLUMN triaged_by, DROP COLUMN customer_ref, DROP COLUMN received_at,
        DROP COLUMN text_sketch, DROP COLUMN repeat_of, DROP COLUMN systemic_incident_id, DROP COLUMN clock,
        DROP COLUMN warnings_raised, DROP COLUMN breached_at, DROP COLUMN next_check_at`);
  }
}
