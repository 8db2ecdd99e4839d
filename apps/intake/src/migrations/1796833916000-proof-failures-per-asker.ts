import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who gave a wrong proof of identity, so that a customer login walking neighbouring ticket
 * numbers (a few guesses each, under every ticket's own limit) is stopped across all tickets. The
 * asker is kept as their customer reference (the keyed pseudonym their own complaints carry),
 * never their customer id; failures from channels, which ask for many customers, name nobody.
 */
export class ProofFailuresPerAsker1796833916000 implements MigrationInterface {
  name = 'ProofFailuresPerAsker1796833916000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity_proof_failures ADD COLUMN asker_ref text`);
    await q.query(`CREATE INDEX identity_proof_failures_by_asker ON identity_proof_failures (asker_ref, failed_at) WHERE asker_ref IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX identity_proof_failures_by_asker`);
    await q.query(`ALTER TABLE identity_proof_failures DROP COLUMN asker_ref`);
  }
}
