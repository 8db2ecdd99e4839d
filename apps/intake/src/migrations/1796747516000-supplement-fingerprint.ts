import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the request that added a supplement said, as a hash, so that a retry under the same
 * Idempotency-Key can be told from a different supplement sent under a key already used.
 */
export class SupplementFingerprint1796747516000 implements MigrationInterface {
  name = 'SupplementFingerprint1796747516000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE supplements ADD COLUMN request_fingerprint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE supplements DROP COLUMN request_fingerprint`);
  }
}
