import { Column, Entity, PrimaryColumn } from 'typeorm';

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

  @Column()
  status!: 'proposed';

  @Column({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt!: Date;
}
