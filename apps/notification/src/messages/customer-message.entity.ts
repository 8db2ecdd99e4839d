import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryAttempt } from '../delivery/customer-delivery';

export const MESSAGE_STATUSES = ['sent', 'delivered', 'failed', 'bounced', 'deferred'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why a message waits: the customer's quiet hours, the per-customer limit, or a provider's temporary failure. */
export type HeldFor = 'quiet-hours' | 'rate-limit' | 'retry';

@Entity({ name: 'customer_messages' })
export class CustomerMessage {
  /** The stable message id: the same for every retry of one message. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  /**
   * What this message is sent once for: the event that caused it, or, for messages owed once per
   * thing whatever events announce it, that thing (the survey of a case, the remedy paid).
   */
  @Column('uuid', { name: 'cause_event_id', unique: true })
  causeEventId!: string;

  @Column('text')
  kind!: string;

  /** The channel that carried it (or the customer's choice, when none did yet). */
  @Column('text')
  channel!: string;

  @Column('text')
  template!: string;

  @Column('text')
  language!: 'zh-CN' | 'en';

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  /** The text of a message written before texts were sealed; null since. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  /**
   * The text as sent, sealed with the platform's field cipher: a final response quotes the
   * decision, which may name people and accounts, and a survey's text holds the link that answers it.
   */
  @Column({ name: 'body_sealed', type: 'text', nullable: true })
  bodySealed!: string | null;

  /** Where it went: the channel's adapter, `local-sink` on a stack without adapters, `none` when nothing carried it (yet). */
  @Column('text')
  sink!: string;

  @Column('text')
  status!: MessageStatus;

  /** Why the status is what it is, when a provider said (a bounce's reason, personal data masked). */
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ name: 'status_updated_at', type: 'timestamptz', nullable: true })
  statusUpdatedAt!: Date | null;

  @Column({ name: 'provider_reference', type: 'text', nullable: true })
  providerReference!: string | null;

  /** Every channel tried, in order, with what happened, receipts included. */
  @Column({ type: 'jsonb' })
  attempts!: DeliveryAttempt[];

  /** The customer's pseudonymous reference (or the complaint, before one was known): whose messages the limit counts. */
  @Column({ name: 'customer_ref', type: 'text', nullable: true })
  customerRef!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When a deferred message may go. */
  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  @Column({ name: 'held_for', type: 'text', nullable: true })
  heldFor!: HeldFor | null;

  /** When a channel first took it; null while it has never gone out. */
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
