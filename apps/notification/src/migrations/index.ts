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

/**
 * Messages that wait (quiet hours, the per-customer limit, a provider's temporary failure) with the
 * moment they may go; who the customer is, for the limit; what providers reported after accepting
 * a message; and the follow-up survey (回访) with its answer, the comment sealed.
 */
export class HeldMessagesReceiptsSurveys1765400000000 implements MigrationInterface {
  name = 'HeldMessagesReceiptsSurveys1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reply_preferences ADD COLUMN customer_ref text`);
    await q.query(`
      ALTER TABLE customer_messages
        ADD COLUMN customer_ref      text,
        ADD COLUMN created_at        timestamptz,
        ADD COLUMN not_before        timestamptz,
        ADD COLUMN held_for          text CHECK (held_for IN ('quiet-hours', 'rate-limit', 'retry')),
        ADD COLUMN status_reason     text,
        ADD COLUMN status_updated_at timestamptz`);
    await q.query(`UPDATE customer_messages SET created_at = sent_at`);
    await q.query(`
      ALTER TABLE customer_messages
        ALTER COLUMN created_at SET NOT NULL,
        ALTER COLUMN created_at SET DEFAULT now(),
        ALTER COLUMN sent_at DROP NOT NULL,
        ADD CONSTRAINT customer_messages_status CHECK (status IN ('sent', 'delivered', 'failed', 'bounced', 'deferred')),
        ADD CONSTRAINT customer_messages_held_until CHECK ((status = 'deferred') = (not_before IS NOT NULL))`);
    await q.query(`CREATE INDEX customer_messages_due ON customer_messages (not_before) WHERE status = 'deferred'`);
    await q.query(`CREATE INDEX customer_messages_customer_sent ON customer_messages (customer_ref, sent_at) WHERE sent_at IS NOT NULL`);
    await q.query(`CREATE INDEX customer_messages_provider_reference ON customer_messages (channel, provider_reference) WHERE provider_reference IS NOT NULL`);
    // Receipts for a channel tried before the current one are found by the reference kept in its attempt.
    await q.query(`CREATE INDEX customer_messages_attempts ON customer_messages USING gin (attempts jsonb_path_ops)`);
    await q.query(`
      CREATE TABLE delivery_receipts (
        message_id         uuid NOT NULL REFERENCES customer_messages (id),
        channel            text NOT NULL,
        status             text NOT NULL CHECK (status IN ('delivered', 'bounced', 'failed')),
        provider_reference text,
        reason             text,
        occurred_at        timestamptz,
        received_at        timestamptz NOT NULL,
        PRIMARY KEY (message_id, channel, status)
      )`);
    await q.query(`
      CREATE TABLE follow_up_surveys (
        id             uuid PRIMARY KEY,
        case_id        uuid NOT NULL UNIQUE,
        complaint_id   uuid NOT NULL,
        message_id     uuid NOT NULL,
        token_hash     text NOT NULL UNIQUE,
        phone_hash     text,
        sms_replies    boolean NOT NULL,
        created_at     timestamptz NOT NULL,
        expires_at     timestamptz NOT NULL,
        answered_at    timestamptz,
        answered_via   text CHECK (answered_via IN ('link', 'sms')),
        score          smallint CHECK (score BETWEEN 1 AND 5),
        comment_sealed text,
        review_opened  boolean NOT NULL DEFAULT false,
        CHECK ((answered_at IS NULL) = (score IS NULL) AND (answered_at IS NULL) = (answered_via IS NULL))
      )`);
    await q.query(`CREATE INDEX follow_up_surveys_open_by_phone ON follow_up_surveys (phone_hash, created_at) WHERE answered_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE follow_up_surveys`);
    await q.query(`DROP TABLE delivery_receipts`);
    await q.query(`DROP INDEX customer_messages_attempts`);
    await q.query(`DROP INDEX customer_messages_provider_reference`);
    await q.query(`DROP INDEX customer_messages_customer_sent`);
    await q.query(`DROP INDEX customer_messages_due`);
    await q.query(`DELETE FROM customer_messages WHERE sent_at IS NULL`);
    await q.query(`UPDATE customer_messages SET status = 'sent' WHERE status = 'deferred'`);
    await q.query(`
      ALTER TABLE customer_messages
        DROP CONSTRAINT customer_messages_held_until,
        DROP CONSTRAINT customer_messages_status,
        ALTER COLUMN sent_at SET NOT NULL,
        DROP COLUMN customer_ref,
        DROP COLUMN created_at,
        DROP COLUMN not_before,
        DROP COLUMN held_for,
        DROP COLUMN status_reason,
        DROP COLUMN status_updated_at`);
    await q.query(`ALTER TABLE reply_preferences DROP COLUMN customer_ref`);
  }
}

/**
 * A message's text is kept sealed: a final response quotes the decision, which may name people and
 * accounts, and a survey's text holds the link that answers it. Texts written before stay readable
 * in \`body\`; a row has one or the other.
 */
export class SealedMessageBodies1796661117000 implements MigrationInterface {
  name = 'SealedMessageBodies1796661117000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_messages
        ADD COLUMN body_sealed text,
        ALTER COLUMN body DROP NOT NULL,
        ADD CONSTRAINT customer_messages_one_body CHECK ((body IS NULL) <> (body_sealed IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Sealed texts cannot be opened here (the keys live with the service): those messages lose their text.
    await q.query(`ALTER TABLE customer_messages DROP CONSTRAINT customer_messages_one_body`);
    await q.query(`UPDATE customer_messages SET body = '' WHERE body IS NULL`);
    await q.query(`ALTER TABLE customer_messages DROP COLUMN body_sealed, ALTER COLUMN body SET NOT NULL`);
  }
}

/**
 * The latest final response written to the customer for each case (its review round and when it
 * was issued), so that a response it supersedes, arriving late (a replayed dead letter, a consumer
 * group reset), is not written to them again. Cases answered before this table existed have no
 * row until their next response.
 */
export class FinalResponseRounds1796800000000 implements MigrationInterface {
  name = 'FinalResponseRounds1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE final_responses (
        case_id        uuid PRIMARY KEY,
        complaint_id   uuid NOT NULL,
        review_round   smallint NOT NULL,
        issued_at      timestamptz NOT NULL,
        cause_event_id uuid NOT NULL,
        updated_at     timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE final_responses`);
  }
}

/**
 * The latest reopening notification saw for each case, so that a final response issued before it
 * and handled after it (a dead letter replayed once the reopening was handled) is not written to
 * the customer: the reopening voided it. A row without a response is a reopening seen first.
 * Reopenings made before this column existed were not consumed here and stay unknown.
 */
export class FinalResponseReopenings1796920400000 implements MigrationInterface {
  name = 'FinalResponseReopenings1796920400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE final_responses
        ADD COLUMN reopened_at timestamptz,
        ALTER COLUMN review_round DROP NOT NULL,
        ALTER COLUMN issued_at DROP NOT NULL,
        ALTER COLUMN cause_event_id DROP NOT NULL,
        ADD CONSTRAINT final_responses_response_whole CHECK ((review_round IS NULL) = (issued_at IS NULL) AND (issued_at IS NULL) = (cause_event_id IS NULL)),
        ADD CONSTRAINT final_responses_response_or_reopening CHECK (issued_at IS NOT NULL OR reopened_at IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A reopening seen before any response leaves nothing the table had before.
    await q.query(`DELETE FROM final_responses WHERE issued_at IS NULL`);
    await q.query(`
      ALTER TABLE final_responses
        DROP CONSTRAINT final_responses_response_or_reopening,
        DROP CONSTRAINT final_responses_response_whole,
        ALTER COLUMN review_round SET NOT NULL,
        ALTER COLUMN issued_at SET NOT NULL,
        ALTER COLUMN cause_event_id SET NOT NULL,
        DROP COLUMN reopened_at`);
  }
}

export const notificationMigrations = [
  CreateCustomerMessages1763885300000,
  Deliveries1764720100000,
  HeldMessagesReceiptsSurveys1765400000000,
  SealedMessageBodies1796661117000,
  FinalResponseRounds1796800000000,
  FinalResponseReopenings1796920400000,
];
