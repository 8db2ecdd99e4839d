import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryAttempt } from '../delivery/customer-delivery';

@Entity({ name: 'customer_messages' })
export class CustomerMessage {
  /** The stable message id: the same for every retry of one message. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  /** The event that caused this message; one message per cause. */
  @Column('uuid', { name: 'cause_event_id', unique: true })
  causeEventId!: string;

  @Column('text')
  kind!: string;

  /** The channel that carried it (or the customer's choice, when none did). */
  @Column('text')
  channel!: string;

  @Column('text')
  template!: string;

  @Column('text')
  language!: 'zh-CN' | 'en';

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'text' })
  body!: string;

  /** Where it went: the channel's adapter, `local-sink` on a stack without adapters, `none` when nothing could carry it. */
  @Column('text')
  sink!: string;

  @Column('text')
  status!: 'sent' | 'delivered' | 'failed' | 'bounced';

  @Column({ name: 'provider_reference', type: 'text', nullable: true })
  providerReference!: string | null;

  /** Every channel tried, in order, with what happened. */
  @Column({ type: 'jsonb' })
  attempts!: DeliveryAttempt[];

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
