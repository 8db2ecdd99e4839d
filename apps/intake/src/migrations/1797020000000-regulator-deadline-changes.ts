import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change of a regulator's referral deadline that staff recorded (the regulator granted more
 * time, or shortened it), with the regulator's reference for it. The officer's reason may quote the
 * customer: it rests sealed with the field cipher (`reason_sealed`, re-wrapped by `npm run pii:rewrap`).
 * The complaint's `regulator_referral` holds the deadline in force; this is its history.
 */
export class RegulatorDeadlineChanges1797020000000 implements MigrationInterface {
  name = 'RegulatorDeadlineChanges1797020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE regulator_deadline_changes (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL,
        complaint_id uuid NOT NULL REFERENCES complaints(id),
        changed_at timestamptz NOT NULL,
        previous_deadline timestamptz,
        deadline timestamptz NOT NULL,
        reference text NOT NULL,
        reason_sealed text NOT NULL,
        changed_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX regulator_deadline_changes_by_complaint ON regulator_deadline_changes (complaint_id, changed_at, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE regulator_deadline_changes`);
  }
}
