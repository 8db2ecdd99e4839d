import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One decision per complaint, with the rule and reasons that made it, for the regulator to read. */
@Entity({ name: 'triage_decisions' })
export class TriageDecisionRecord {
  @PrimaryColumn('uuid', { name: 'complaint_id' })
  complaintId!: string;

  @Column({ name: 'ticket_number' })
  ticketNumber!: string;

  @Column()
  category!: string;

  @Column()
  severity!: string;

  @Column()
  department!: string;

  @Column({ name: 'routing_rule' })
  routingRule!: string;

  @Column({ type: 'jsonb' })
  reasons!: string[];

  @Column()
  regime!: string;

  @Column({ name: 'clock_started_at', type: 'timestamptz' })
  clockStartedAt!: Date;

  @Column({ name: 'response_due_by', type: 'timestamptz' })
  responseDueBy!: Date;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;
}
