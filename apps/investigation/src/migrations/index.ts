import { MigrationInterface, QueryRunner } from 'typeorm';

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

export const investigationMigrations = [CreateCases1763885100000, CaseWithdrawals1763971500000];
