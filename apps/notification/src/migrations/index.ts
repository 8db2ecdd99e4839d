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

export const notificationMigrations = [CreateCustomerMessages1763885300000];
