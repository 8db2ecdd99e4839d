import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When intake recorded the regulator's deadline change that the decision holds, so an older change
 * delivered after it (a dead letter replayed late) cannot put back the deadline it replaced.
 * Decisions changed before the column are left null: the next change sets it.
 */
export class TriageRegulatorDeadlineChangedAt1797110000000 implements MigrationInterface {
  name = 'TriageRegulatorDeadlineChangedAt1797110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triage_decisions ADD COLUMN regulator_deadline_changed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triage_decisions DROP COLUMN regulator_deadline_changed_at`);
  }
}
