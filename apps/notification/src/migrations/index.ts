import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCustomerMessages1763885300000 implements MigrationInterface {
  name = 'CreateCustomerMessages1763885300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_messages (
        id             uuid PRIMARY KEY,
        complaint_id   uuid NOT NULL,
        cause_event_id uuid NOT NULL UNIQUE,
        kind           text NOT NULL,
        channel        text NOT NULL,
        template       text NOT NULL,
        language       text NOT NULL,
        body           text NOT NULL,
        sink           text NOT NULL,
        status         text NOT NULL,
        sent_at        timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX customer_messages_complaint ON customer_messages (complaint_id, sent_at)`);
    // Complaint id to reply channel and language, learnt from complaint.received.
    await q.query(`
      CREATE TABLE reply_preferences (
        complaint_id uuid PRIMARY KEY,
        channel      text NOT NULL,
        language     text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reply_preferences`);
    await q.query(`DROP TABLE customer_messages`);
  }
}

/**
 * Delivery over real channels: where to reach the customer (sealed), the regime whose mandatory
 * content a final response must carry, each attempt per channel with its outcome, and call-back
 * tasks for people who should hear from a person rather than a machine.
 */
export class Deliveries1764720100000 implements MigrationInterface {
  name = 'Deliveries1764720100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reply_preferences
        ADD COLUMN ticket_number   text,
        ADD COLUMN regime          text NOT NULL DEFAULT 'cn-cbirc',
        ADD COLUMN reply_to_sealed text,
        ADD COLUMN vulnerable      boolean NOT NULL DEFAULT false`);
    await q.query(`
      ALTER TABLE customer_messages
        ADD COLUMN subject            text,
        ADD COLUMN provider_reference text,
        ADD COLUMN attempts           jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`
      CREATE TABLE call_back_tasks (
        id           uuid PRIMARY KEY,
        complaint_id uuid NOT NULL,
        message_id   uuid NOT NULL UNIQUE,
        kind         text NOT NULL,
        status       text NOT NULL CHECK (status IN ('open', 'done')),
        created_at   timestamptz NOT NULL,
        done_by      text,
        done_at      timestamptz,
        outcome      text
      )`);
    await q.query(`CREATE INDEX call_back_tasks_open ON call_back_tasks (created_at) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE call_back_tasks`);
    await q.query(`ALTER TABLE customer_messages DROP COLUMN subject, DROP COLUMN provider_reference, DROP COLUMN attempts`);
    await q.query(`ALTER TABLE reply_preferences DROP COLUMN ticket_number, DROP COLUMN regime, DROP COLUMN reply_to_sealed, DROP COLUMN vulnerable`);
  }
}

export const notificationMigrations = [CreateCustomerMessages1763885300000, Deliveries1764720100000];
