import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'complaints' })
@Index(['channel', 'idempotencyKey'], { unique: true, where: 'idempotency_key IS NOT NULL' })
export class ComplaintRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'ticket_number', unique: true })
  ticketNumber!: string;

  @Column()
  channel!: string;

  @Column({ name: 'channel_reference', type: 'text', nullable: true })
  channelReference!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the filing request in canonical JSON (RFC 8785); null for complaints filed before it was kept. */
  @Column({ name: 'request_fingerprint', type: 'text', nullable: true })
  requestFingerprint!: string | null;

  @Column({ name: 'customer_ref' })
  customerRef!: string;

  /** Name, phone, e-mail and ID number, sealed together with the field cipher. */
  @Column({ name: 'complainant_sealed', type: 'text' })
  complainantSealed!: string;

  /** The customer's own words, sealed: they often hold card, phone and ID numbers. */
  @Column({ name: 'description_sealed', type: 'text' })
  descriptionSealed!: string;

  /** Only the last four digits: enough to find the account with the customer, useless to anyone else. */
  @Column({ name: 'account_reference_masked', type: 'text', nullable: true })
  accountReferenceMasked!: string | null;

  /** Who filed on the complainant's behalf, sealed like the complainant. */
  @Column({ name: 'representative_sealed', type: 'text', nullable: true })
  representativeSealed!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  attachments!: { reference: string; sha256: string; sizeBytes: number; mediaType: string; fileName?: string }[];

  @Column({ type: 'jsonb', nullable: true })
  vulnerability!: { ageBand?: string; declaredNeeds?: string[] } | null;

  @Column({ name: 'regulator_referral', type: 'jsonb', nullable: true })
  regulatorReferral!: { body: string; caseNumber: string; deadline?: string } | null;

  @Column({ name: 'channel_context', type: 'jsonb', nullable: true })
  channelContext!: Record<string, string> | null;

  @Column({ type: 'jsonb', nullable: true })
  consent!: { dataProcessing: boolean; callRecording?: boolean; survey?: boolean } | null;

  @Column({ name: 'product_hint', type: 'text', nullable: true })
  productHint!: string | null;

  @Column({ name: 'amount_minor', type: 'bigint', nullable: true })
  amountMinor!: string | null;

  @Column({ type: 'char', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'preferred_reply_channel' })
  preferredReplyChannel!: string;

  @Column()
  language!: string;

  @Column()
  regime!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt!: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'response_due_by', type: 'timestamptz' })
  responseDueBy!: Date;

  @Column()
  status!: string;

  @Column({ name: 'status_changed_at', type: 'timestamptz' })
  statusChangedAt!: Date;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;

  @Column({ name: 'withdrawal_reason_sealed', type: 'text', nullable: true })
  withdrawalReasonSealed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
