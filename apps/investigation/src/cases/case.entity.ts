import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface ResolutionRecord {
  outcome: 'upheld' | 'partially-upheld' | 'not-upheld';
  explanation: string;
  remedy: { type: string; amount: { amountMinor: number; currency: string } } | null;
  decidedBy: string;
  decidedAt: string;
}

@Entity({ name: 'cases' })
export class CaseRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id', unique: true })
  complaintId!: string;

  @Column({ name: 'ticket_number' })
  ticketNumber!: string;

  @Column()
  department!: string;

  @Column()
  severity!: string;

  @Column()
  status!: 'open' | 'resolved' | 'withdrawn';

  /** The customer withdrew: the procedure ended that day. */
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;

  @Column({ name: 'response_due_by', type: 'timestamptz' })
  responseDueBy!: Date;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ type: 'jsonb', nullable: true })
  resolution!: ResolutionRecord | null;
}
