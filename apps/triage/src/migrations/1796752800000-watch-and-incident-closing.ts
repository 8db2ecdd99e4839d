import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A systemic incident closes when the rate of its kind falls below the spike rule; the deadline
 * watch looks at a regulator's deadline whatever the clock's state, and a merged referral's
 * deadline binds the earlier complaint that answers for it.
 */
export class TriageWatchAndIncidentClosing1796752800000 implements MigrationInterface {
  name = 'TriageWatchAndIncidentClosing1796752800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE systemic_incidents ADD COLUMN closed_at timestamptz`);
    // A referral merged into an earlier complaint still running: its deadline binds that complaint
    // when earlier (the merged one has no clock of its own, so nothing watched it).
    await q.query(`
      UPDATE triage_decisions e
         SET regulator_deadline = m.deadline,
             response_due_by = LEAST(e.response_due_by, m.deadline),
             next_check_at = CASE WHEN e.breached_at IS NULL THEN now() ELSE e.next_check_at END
        FROM (SELECT repeat_of, min(regulator_deadline) AS deadline
                FROM triage_decisions
               WHERE repeat_of IS NOT NULL AND regulator_deadline IS NOT NULL
                 AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(reasons) r WHERE r LIKE 'merged with %')
               GROUP BY repeat_of) m
       WHERE e.complaint_id = m.repeat_of
         AND e.clock->>'state' IN ('running', 'paused')
         AND (e.regulator_deadline IS NULL OR m.deadline < e.regulator_deadline)`);
    // A paused clock with a regulator's deadline was not watched: the watch works out when to look.
    await q.query(`
      UPDATE triage_decisions SET next_check_at = now()
       WHERE clock->>'state' = 'paused' AND regulator_deadline IS NOT NULL AND breached_at IS NULL AND next_check_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE systemic_incidents DROP COLUMN closed_at`);
  }
}
