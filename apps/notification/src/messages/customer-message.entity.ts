import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'customer_messages' })
export class CustomerMessage {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  /** The event that caused this message; one message per cause. */
  @Column('uuid', { name: 'cause_event_id', unique: true })
  causeEventId!: string;

  @Column()
  kind!: 'acknowledgement' | 'final-response';

  @Column()
  channel!: string;

  @Column()
  template!: string;

  @Column()
  language!: 'zh-CN' | 'en';

  @Column({ type: 'text' })
  body!: string;

  /** Where it went: `local-sink` until real channel adapters deliver it. */
  @Column()
  sink!: string;

  @Column()
  status!: 'sent';

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
