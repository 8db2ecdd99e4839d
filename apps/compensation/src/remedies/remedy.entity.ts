import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApprovalRoute, RemedyStatus } from '@complaints/domain';

export interface RemedyApprovalRecord {
  approver: string;
  roles: string[];
  at: string;
}

@Entity({ name: 'remedies' })
export class RemedyRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  @Column('uuid', { name: 'case_id', unique: true })
  caseId!: string;

  @Column()
  type!: string;

  /** Integer minor units; bigint comes back from pg as a string, never a float. */
  @Column({ name: 'amount_minor', type: 'bigint' })
  amountMinor!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'text' })
  status!: RemedyStatus;

  @Column({ type: 'text', nullable: true })
  route!: ApprovalRoute | null;

  /** Who decided the remedy in the case: never its approver. */
  @Column({ name: 'proposed_by', type: 'text', nullable: true })
  proposedBy!: string | null;

  /** The complaint's pseudonymous customer, for the per-customer cap and the payout. */
  @Column({ name: 'customer_ref', type: 'text', nullable: true })
  customerRef!: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  approvals!: RemedyApprovalRecord[];

  /** Why the remedy waits for a person although its amount would not need one (a cap, an unknown customer). */
  @Column({ name: 'hold_reason', type: 'text', nullable: true })
  holdReason!: string | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  rejectionReason!: string | null;

  @Column({ name: 'rejected_by', type: 'text', nullable: true })
  rejectedBy!: string | null;

  @Column({ name: 'reversal_reason', type: 'text', nullable: true })
  reversalReason!: string | null;

  @Column({ name: 'reversed_by', type: 'text', nullable: true })
  reversedBy!: string | null;

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;
}
