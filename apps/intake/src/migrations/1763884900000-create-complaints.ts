import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateComplaints1763884900000 implements MigrationInterface {
  name = 'CreateComplaints1763884900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE ticket_seq`);
    await q.query(`
      CREATE TABLE complaints (
        id                      uuid PRIMARY KEY,
        ticket_number           text NOT NULL UNIQUE,
        channel                 text NOT NULL,
        channel_reference       text,
        idempotency_key         text,
        customer_ref            text NOT NULL,
        complainant_sealed      text NOT NULL,
        description             text NOT NULL,
        product_hint            text,
        amount_minor            bigint CHECK (amount_minor >= 0),
        currency                char(3),
        preferred_reply_channel text NOT NULL,
        language                text NOT NULL,
        regime                  text NOT NULL,
        occurred_at             timestamptz,
        received_at             timestamptz NOT NULL,
        response_due_by         timestamptz NOT NULL,
        status                  text NOT NULL,
        status_changed_at       timestamptz NOT NULL,
        created_at              timestamptz NOT NULL DEFAULT now(),
        CHECK ((amount_minor IS NULL) = (currency IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX complaints_channel_idempotency ON complaints (channel, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX complaints_customer_ref ON complaints (customer_ref)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE complaints`);
    await q.query(`DROP SEQUENCE ticket_seq`);
  }
}
