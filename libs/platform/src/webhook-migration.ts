import { MigrationInterface, QueryRunner } from 'typeorm';

/** Spent webhook nonces, kept as long as their timestamps could still pass. */
export class CreateWebhookNonces1763971300000 implements MigrationInterface {
  name = 'CreateWebhookNonces1763971300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_nonces (
        channel text NOT NULL,
        nonce   text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, nonce)
      )`);
    await q.query(`CREATE INDEX webhook_nonces_seen_at ON webhook_nonces (seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_nonces`);
  }
}
