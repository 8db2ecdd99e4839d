import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeadlineClock } from '@complaints/domain';
import { sealedReasons, sealedText } from './sealed-triage-text';

export const DECISION_STATUSES = ['routed', 'awaiting-triage-officer'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/**
 * One decision per complaint, with the rule and reasons that made it, for the regulator to read.
 * The complaint's text is not kept here: repeats are found from a sketch of it.
 */
@Entity({ name: 'triage_decisions' })
export class TriageDecisionRecord {
  @PrimaryColumn('uuid', { name: 'complaint_id' })
  complaintId!: string;

  @Column({ name: 'ticket_number' })
  ticketNumber!: string;

  @Column({ type: 'text' })
  status!: DecisionStatus;

  @Column({ type: 'text' })
  taxonomy!: string;

  @Column({ type: 'text' })
  product!: string;

  /** The cause code (JR/T 0169 dimension C, the CFPB issue). */
  @Column()
  category!: string;

  @Column({ name: 'channel', type: 'text' })
  channel!: string;

  @Column({ name: 'channel_code', type: 'text', nullable: true })
  channelCode!: string | null;

  @Column({ type: 'real' })
  confidence!: number;

  @Column()
  severity!: string;

  @Column()
  department!: string;

  @Column({ name: 'routing_rule' })
  routingRule!: string;

  /** Held opened; a triage officer's words in their line rest sealed (`sealedReasons`). */
  @Column({ type: 'jsonb', transformer: sealedReasons })
  reasons!: string[];

  @Column({ name: 'triaged_by', type: 'text' })
  triagedBy!: 'model' | 'triage-officer';

  @Column({ name: 'customer_ref', type: 'text' })
  customerRef!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'text_sketch', type: 'bigint', array: true, transformer: { to: (v: number[]) => v, from: (v: string[] | null) => (v ?? []).map(Number) } })
  textSketch!: number[];

  @Column({ name: 'repeat_of', type: 'uuid', nullable: true })
  repeatOf!: string | null;

  @Column({ name: 'systemic_incident_id', type: 'uuid', nullable: true })
  systemicIncidentId!: string | null;

  @Column()
  regime!: string;

  @Column({ name: 'clock_started_at', type: 'timestamptz' })
  clockStartedAt!: Date;

  @Column({ name: 'response_due_by', type: 'timestamptz' })
  responseDueBy!: Date;

  /**
   * The deadline of a regulator's referral, whether or not it was the earlier at receipt: the
   * clock's own date moves on every restart and extension, and the referral's binds whenever it
   * comes first. Null for a complaint that came without one.
   */
  @Column({ name: 'regulator_deadline', type: 'timestamptz', nullable: true })
  regulatorDeadline!: Date | null;

  /** When intake recorded the change of the regulator's deadline kept here (the event's occurredAt); null until one is applied. */
  @Column({ name: 'regulator_deadline_changed_at', type: 'timestamptz', nullable: true })
  regulatorDeadlineChangedAt!: Date | null;

  @Column({ type: 'jsonb' })
  clock!: DeadlineClock;

  /** The warning fractions already announced, so each is raised once. */
  @Column({ name: 'warnings_raised', type: 'double precision', array: true, default: () => "'{}'" })
  warningsRaised!: number[];

  @Column({ name: 'breached_at', type: 'timestamptz', nullable: true })
  breachedAt!: Date | null;

  /** When the deadline watch next looks at this clock; null once nothing more can happen. */
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true })
  nextCheckAt!: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;
}

/** Every change a triage officer made, with the reason they gave. */
@Entity({ name: 'triage_revisions' })
export class TriageRevisionRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId!: string;

  @Column({ name: 'revised_at', type: 'timestamptz' })
  revisedAt!: Date;

  @Column({ type: 'text' })
  actor!: string;

  /** The officer's reason as written; it rests sealed with the platform's PII keys (`sealedText`). */
  @Column({ name: 'reason_sealed', type: 'text', nullable: true, transformer: sealedText })
  reasonSealed!: string | null;

  /**
   * Left empty (not null) next to the sealed reason, for a replica of the earlier version while a
   * release rolls out, which masks it for some roles and fails on a null. A reason in clear here
   * was written by such a replica (or stored before sealing, which migration
   * `TriageSealedOfficerText1796930000000` sealed); it is read when there is no sealed one.
   */
  @Column({ name: 'reason', type: 'text' })
  reasonInClear!: string;

  @Column({ type: 'jsonb' })
  previous!: Record<string, string>;

  @Column({ type: 'jsonb' })
  current!: Record<string, string>;
}

/** A revision's reason as the officer wrote it, sealed or (from before sealing, or an earlier replica) in clear. */
export const revisionReason = (r: TriageRevisionRecord): string => r.reasonSealed ?? r.reasonInClear;

/** Many customers at once on one product and cause: seed 000's stuck cross-bank transfers. */
@Entity({ name: 'systemic_incidents' })
export class SystemicIncidentRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  taxonomy!: string;

  @Column({ type: 'text' })
  product!: string;

  @Column({ type: 'text' })
  category!: string;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt!: Date;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ name: 'window_end', type: 'timestamptz' })
  windowEnd!: Date;

  @Column({ name: 'baseline_mean', type: 'real' })
  baselineMean!: number;

  @Column({ type: 'text' })
  reason!: string;

  /**
   * When a complaint of its kind found the rate fallen below the spike rule: it takes no more
   * members after that (one received before it still joins). Null while open, and for an incident
   * that went quiet, which takes no more members once a window passes without one.
   */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  /** The complaints that raised it; those that joined later point to it from their decision. */
  @Column({ name: 'complaint_ids', type: 'uuid', array: true })
  complaintIds!: string[];
}
