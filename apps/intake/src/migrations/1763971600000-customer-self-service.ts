import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the customer sees and does after filing: their timeline, additions, and failed identity proofs. */
export class CustomerSelfService1763971600000 implements MigrationInterface {
  name = 'CustomerSelfService1763971600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_timeline (
        event_id     uuid PRIMARY KEY,
        complaint_id uuid NOT NULL REFERENCES complaints (id),
        event_type   text NOT NULL,
        occurred_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX customer_timeline_of ON customer_timeline (complaint_id, occurred_at)`);
    await q.query(`
      CREATE TABLE supplements (
        id              uuid PRIMARY KEY,
        complaint_id    uuid NOT NULL REFERENCES complaints (id),
        idempotency_key text,
        text_sealed     text,
        attachments     jsonb NOT NULL DEFAULT '[]',
        added_by        text NOT NULL,
        added_at        timestamptz NOT NULL,
        UNIQUE (complaint_id, idempotency_key)
      )`);
    await q.query(`ALTER TABLE complaints ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawal_reason_sealed text`);
    await q.query(`CREATE TABLE identity_proof_failures (ticket_number text NOT NULL, failed_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX identity_proof_failures_recent ON identity_proof_failures (ticket_number, failed_at)`);
    // Complaints filed before the timeline existed get their first entry.
    await q.query(`
      INSERT INTO customer_timeline (event_id, complaint_id, event_type, occurred_at)
      SELECT gen_random_uuid(), id, 'complaint.received', received_at FROM complaints`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity_proof_failures`);
    await q.query(`ALTER TABLE complaints DROP COLUMN withdrawn_at, DROP COLUMN withdrawal_reason_sealed`);
    await q.query(`DROP TABLE supplements`);
    await q.query(`DROP TABLE customer_timeline`);
  }
}
