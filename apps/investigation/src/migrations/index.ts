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

export const investigationMigrations = [CreateCases1763885100000];
