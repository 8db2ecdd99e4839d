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

/**
 * What each nonce was spent on (the SHA-256 of the request's bytes), so that the sender's retry of
 * the very same request can be told from a replay carrying something else.
 */
export class WebhookNonceRequests1796760000000 implements MigrationInterface {
  name = 'WebhookNonceRequests1796760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_nonces ADD COLUMN request_digest bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_nonces DROP COLUMN request_digest`);
  }
}

/** Every service's own tables come after these. */
export const WEBHOOK_MIGRATIONS = [CreateWebhookNonces1763971300000, WebhookNonceRequests1796760000000];
