import { MigrationInterface, QueryRunner } from 'typeorm';

/** A regulator referral's deadline, kept beside the clock so a restart or an extension cannot drop it. */
export class TriageRegulatorDeadline1796666400000 implements MigrationInterface {
  name = 'TriageRegulatorDeadline1796666400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triage_decisions ADD COLUMN regulator_deadline timestamptz`);
    // Decisions made before the column recorded the referral's deadline only where it bound at
    // receipt, in a reason; one that was later than the regime's then is known to intake alone.
    await q.query(`
      UPDATE triage_decisions d
         SET regulator_deadline = r.deadline
        FROM (SELECT complaint_id,
                     min(substring(reason FROM '^due by the regulator''s deadline (\\S+), earlier than the regime''s$')::timestamptz) AS deadline
                FROM triage_decisions, jsonb_array_elements_text(reasons) AS reason
               WHERE reason LIKE 'due by the regulator''s deadline %'
               GROUP BY complaint_id) r
       WHERE d.complaint_id = r.complaint_id`);
    // A running clock whose due date is earlier than its own was bound by the referral, even where
    // that reason has since been trimmed from the list.
    await q.query(`
      UPDATE triage_decisions
         SET regulator_deadline = response_due_by
       WHERE regulator_deadline IS NULL
         AND clock->>'state' IN ('running', 'paused')
         AND response_due_by < (clock->>'dueBy')::timestamptz`);
    // Clocks restarted or extended before now lost the referral's date: it binds again, and the
    // deadline watch looks at them by then. The date intake shows moves with the next clock change.
    await q.query(`
      UPDATE triage_decisions
         SET response_due_by = regulator_deadline,
             next_check_at = CASE WHEN clock->>'state' = 'running' AND next_check_at IS NOT NULL
                                  THEN LEAST(next_check_at, regulator_deadline + interval '1 millisecond')
                                  ELSE next_check_at END
       WHERE regulator_deadline < response_due_by
         AND clock->>'state' IN ('running', 'paused')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triage_decisions DROP COLUMN regulator_deadline`);
  }
}
