import { MigrationInterface, QueryRunner } from 'typeorm';

/** The rest of the canonical complaint: representative, account, attachments, vulnerability, referral, consent. */
export class CanonicalComplaintDetails1763971400000 implements MigrationInterface {
  name = 'CanonicalComplaintDetails1763971400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaints
        ADD COLUMN account_reference_masked text,
        ADD COLUMN representative_sealed   text,
        ADD COLUMN attachments             jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN vulnerability           jsonb,
        ADD COLUMN regulator_referral      jsonb,
        ADD COLUMN consent                 jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaints
        DROP COLUMN account_reference_masked, DROP COLUMN representative_sealed, DROP COLUMN attachments,
        DROP COLUMN vulnerability, DROP COLUMN regulator_referral, DROP COLUMN consent`);
  }
}
