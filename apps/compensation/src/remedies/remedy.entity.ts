import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApprovalRoute, RemedyStatus } from '@complaints/domain';
import { sealedReversalRejection, sealedText } from './sealed-remedy-text';

export interface RemedyApprovalRecord {
  approver: string;
  roles: string[];
  at: string;
}

/** A reversal someone asked for and an approver declined: the payout stood. */
export interface ReversalRejectionRecord {
  /** Who asked for the reversal, and why. */
  requestedBy: string;
  requestReason: string;
  /** Who declined it, and why. */
  by: string;
  reason: string;
  at: string;
}

/** A later decision that paid nothing more: lower than what the case granted, or in another currency. */
export interface LaterDecisionRecord {
  outcome: 'not-clawed-back' | 'other-currency';
  decided: { type: string; amountMinor: number; currency: string } | null;
  granted: { amountMinor: number; currency: string }[];
  reviewRound: number;
  decidedBy: string;
  at: string;
  note: string;
}

@Entity({ name: 'remedies' })
export class RemedyRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  /** Not unique: a later decision that grants more adds a top-up to the case. */
  @Column('uuid', { name: 'case_id' })
  caseId!: string;

  @Column()
  type!: string;

  /** Integer minor units; bigint comes back from pg as a string, never a float. */
  @Column({ name: 'amount_minor', type: 'bigint' })
  amountMinor!: string;

  /** On a top-up, what the decision grants in all (route and approvers' limits weigh it); null otherwise. */
  @Column({ name: 'decision_amount_minor', type: 'bigint', nullable: true })
  decisionAmountMinor!: string | null;

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
  get holdReason(): string | null {
    return this.holdReasonSealed ?? this.holdReasonInClear ?? null;
  }
  set holdReason(text: string | null) {
    this.holdReasonSealed = text;
    this.holdReasonInClear = null;
  }

  get rejectionReason(): string | null {
    return this.rejectionReasonSealed ?? this.rejectionReasonInClear ?? null;
  }
  set rejectionReason(text: string | null) {
    this.rejectionReasonSealed = text;
    this.rejectionReasonInClear = null;
  }

  @Column({ name: 'rejected_by', type: 'text', nullable: true })
  rejectedBy!: string | null;

  /** Why the reversal was asked for, by `reversedBy`. */
  get reversalReason(): string | null {
    return this.reversalReasonSealed ?? this.reversalReasonInClear ?? null;
  }
  set reversalReason(text: string | null) {
    this.reversalReasonSealed = text;
    this.reversalReasonInClear = null;
  }

  /** Who asked for the reversal (and wrote its reason). */
  @Column({ name: 'reversed_by', type: 'text', nullable: true })
  reversedBy!: string | null;

  /** Who asked for the reversal (first) and who confirmed it. */
  @Column({ name: 'reversal_approvals', type: 'jsonb', default: () => `'[]'` })
  reversalApprovals!: RemedyApprovalRecord[];

  /** The latest reversal request an approver declined; its two reasons rest sealed (`sealedReversalRejection`). */
  @Column({ name: 'reversal_rejection', type: 'jsonb', nullable: true, transformer: sealedReversalRejection })
  reversalRejection!: ReversalRejectionRecord | null;

  @Column({ name: 'withdrawal_cause', type: 'text', nullable: true })
  withdrawalCause!: 'case-reopened' | 'later-decision' | null;

  get withdrawalReason(): string | null {
    return this.withdrawalReasonSealed ?? this.withdrawalReasonInClear ?? null;
  }
  set withdrawalReason(text: string | null) {
    this.withdrawalReasonSealed = text;
    this.withdrawalReasonInClear = null;
  }

  @Column({ name: 'withdrawn_by', type: 'text', nullable: true })
  withdrawnBy!: string | null;

  /** The case was reopened after its payout was sent: the remedy stood, and the next decision is compared against it. */
  @Column({ name: 'case_reopened_at', type: 'timestamptz', nullable: true })
  caseReopenedAt!: Date | null;

  get caseReopenReason(): string | null {
    return this.caseReopenReasonSealed ?? this.caseReopenReasonInClear ?? null;
  }
  set caseReopenReason(text: string | null) {
    this.caseReopenReasonSealed = text;
    this.caseReopenReasonInClear = null;
  }

  @Column({ name: 'later_decision', type: 'jsonb', nullable: true })
  laterDecision!: LaterDecisionRecord | null;

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;

  /*
   * Staff reasons quote the customer (their name, the account the money went to by mistake): each
   * rests in `<column>_sealed`, sealed with the platform's PII keys as it is saved and opened as it is
   * loaded (`sealedText`). The service reads and writes them through the accessors above only. A
   * text in the clear column beside it was written before sealing, or by a replica of the earlier
   * version while a release rolls out (the newer text then: a trigger drops the sealed one, see
   * migration `SealedRemedyReasons1796925600000`); it is read, and the next reason written in its
   * place is sealed and empties it.
   */

  @Column({ name: 'hold_reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  private holdReasonSealed!: string | null;

  @Column({ name: 'hold_reason', type: 'text', nullable: true })
  private holdReasonInClear!: string | null;

  @Column({ name: 'rejection_reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  private rejectionReasonSealed!: string | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  private rejectionReasonInClear!: string | null;

  @Column({ name: 'reversal_reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  private reversalReasonSealed!: string | null;

  @Column({ name: 'reversal_reason', type: 'text', nullable: true })
  private reversalReasonInClear!: string | null;

  @Column({ name: 'withdrawal_reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  private withdrawalReasonSealed!: string | null;

  @Column({ name: 'withdrawal_reason', type: 'text', nullable: true })
  private withdrawalReasonInClear!: string | null;

  @Column({ name: 'case_reopen_reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  private caseReopenReasonSealed!: string | null;

  @Column({ name: 'case_reopen_reason', type: 'text', nullable: true })
  private caseReopenReasonInClear!: string | null;
}
