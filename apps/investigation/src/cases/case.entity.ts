import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CaseState, Findings, ResolutionProposal } from '@complaints/domain';
import type { CaseResponseIssued } from '@complaints/contracts';
import { sealedExplanation, sealedFindings } from './sealed-case-text';

/** The response as issued to the customer (the last one, after a review the review's), its explanation as written. */
export type IssuedResponse = Omit<CaseResponseIssued, 'caseId' | 'ticketNumber'>;

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

  @Column('text')
  severity!: 'low' | 'medium' | 'high' | 'critical';

  @Column({ type: 'text', nullable: true })
  category!: string | null;

  @Column('text')
  status!: CaseState;

  @Column('text')
  regime!: 'cn-cbirc' | 'uk-fca' | 'us-cfpb';

  /** The deadline period the clock runs on (cn-cbirc standard, complex, senior-approved). */
  @Column({ type: 'text', nullable: true })
  period!: string | null;

  @Column('int')
  level!: number;

  @Column('int', { name: 'review_round' })
  reviewRound!: number;

  @Column({ name: 'assigned_to', type: 'text', nullable: true })
  assignedTo!: string | null;

  /** Staff the complaint is about: they and their line managers may not handle it (回避). */
  @Column('text', { name: 'involved_staff', array: true })
  involvedStaff!: string[];

  @Column('text', { name: 'previous_deciders', array: true })
  previousDeciders!: string[];

  /** Its facts and root-cause detail rest sealed (sealed-case-text.ts). */
  @Column({ type: 'jsonb', nullable: true, transformer: sealedFindings })
  findings!: Findings | null;

  /** Its explanation rests sealed. */
  @Column({ type: 'jsonb', nullable: true, transformer: sealedExplanation })
  proposal!: ResolutionProposal | null;

  /** The customer withdrew: the procedure ended that day. */
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;

  @Column({ name: 'response_due_by', type: 'timestamptz' })
  responseDueBy!: Date;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt!: Date | null;

  @Column({ name: 'review_due_by', type: 'timestamptz', nullable: true })
  reviewDueBy!: Date | null;

  /** Its explanation rests sealed. */
  @Column({ type: 'jsonb', nullable: true, transformer: sealedExplanation })
  resolution!: IssuedResponse | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
