import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'archive_entries' })
export class ArchiveEntry {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column('uuid', { name: 'event_id', unique: true })
  eventId!: string;

  @Column('uuid', { name: 'complaint_id' })
  complaintId!: string;

  @Column({ name: 'event_type' })
  eventType!: string;

  @Column({ name: 'event_version', type: 'int' })
  eventVersion!: number;

  @Column()
  producer!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'source_topic' })
  sourceTopic!: string;

  @Column({ name: 'source_partition', type: 'int' })
  sourcePartition!: number;

  @Column({ name: 'source_offset', type: 'bigint' })
  sourceOffset!: string;

  /** The exact text that was hashed: the envelope as RFC 8785 canonical JSON. */
  @Column({ type: 'text' })
  canonical!: string;

  @Column({ name: 'prev_hash' })
  prevHash!: string;

  @Column({ name: 'entry_hash' })
  entryHash!: string;

  @Column({ name: 'archived_at', type: 'timestamptz' })
  archivedAt!: Date;
}
