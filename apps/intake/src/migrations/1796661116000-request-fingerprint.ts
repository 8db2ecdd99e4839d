import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the request that filed a complaint said, as a hash, so that a retry under the same
 * Idempotency-Key can be told from a different complaint sent under a key already used.
 */
export class RequestFingerprint1796661116000 implements MigrationInterface {
  name = 'RequestFingerprint1796661116000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaints ADD COLUMN request_fingerprint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaints DROP COLUMN request_fingerprint`);
  }
}
