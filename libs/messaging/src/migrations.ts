import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and the processed-event log every service keeps in its own schema. Unqualified
 * names resolve through the connection's search_path, which is the service's schema.
 */
export class CreateMessagingTables1763884800000 implements MigrationInterface {
  name = 'CreateMessagingTables1763884800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        seq          bigserial PRIMARY KEY,
        event_id     uuid NOT NULL UNIQUE,
        topic        text NOT NULL,
        message_key  text NOT NULL,
        value        bytea NOT NULL,
        headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      )`);
    // The relay reads only what is unpublished; the partial index keeps that cheap as the table grows.
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL`);
    await q.query(`
      CREATE TABLE processed_events (
        consumer_group text NOT NULL,
        event_id       text NOT NULL,
        outcome        text NOT NULL CHECK (outcome IN ('handled', 'dead-lettered')),
        processed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE processed_events`);
    await q.query(`DROP TABLE outbox`);
  }
}
