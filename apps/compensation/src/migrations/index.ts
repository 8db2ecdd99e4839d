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

export const compensationMigrations = [CreateRemedies1763885200000];
