import { EntityManager } from 'typeorm';
import { EventEnvelope } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { ArchiveEntry } from './archive-entry.entity';
import { chainHash, ChainHead } from './hash-chain';
import { ComplaintIndex } from '../search/complaint-index';

/** Entries written by one INSERT statement. */
const INSERT_SLICE = 1000;

/**
 * Appends the events archived in one transaction to the hash chain. The chain head is read and
 * locked once, at the first event; the entries are linked in memory and written together, with the
 * new head and the complaint index, just before the transaction commits. Every event costs a
 * round trip or two less while the one lock every archiving transaction waits for is held.
 */
export class ChainWriter {
  private readonly pending: ArchiveEntry[] = [];
  private readonly toIndex: EventEnvelope[] = [];
  private readonly index = new ComplaintIndex();

  private constructor(
    private readonly manager: EntityManager,
    private readonly head: ChainHead,
  ) {}

  /** The writer of the caller's transaction, made (and the chain head locked) at its first event. */
  static of(ctx: EventContext): Promise<ChainWriter> {
    return ctx.transaction.memo('archive:chain-writer', async () => {
      const [row]: { seq: string; entry_hash: string }[] = await ctx.manager.query(`SELECT seq::text AS seq, entry_hash FROM chain_head FOR UPDATE`);
      const writer = new ChainWriter(ctx.manager, { seq: row.seq, entryHash: row.entry_hash });
      ctx.transaction.beforeCommit(() => writer.finish());
      return writer;
    });
  }

  /** Links the event, in its canonical (sealed) form, to the chain; written at `flush`. */
  append(ctx: EventContext, canonical: string): void {
    const event = ctx.envelope;
    const seq = (BigInt(this.head.seq) + 1n).toString();
    const entryHash = chainHash(this.head.entryHash, canonical);
    this.pending.push(Object.assign(new ArchiveEntry(), {
      seq,
      eventId: event.eventId,
      complaintId: event.complaintId,
      eventType: event.type,
      eventVersion: event.version,
      producer: event.producer,
      occurredAt: new Date(event.occurredAt),
      sourceTopic: ctx.position.topic,
      sourcePartition: ctx.position.partition,
      sourceOffset: ctx.position.offset,
      canonical,
      prevHash: this.head.entryHash,
      entryHash,
      archivedAt: new Date(),
    }));
    this.toIndex.push(event);
    this.head.seq = seq;
    this.head.entryHash = entryHash;
  }

  /** Writes the entries linked so far, so that a query in this transaction reads them. */
  async flush(): Promise<void> {
    // 14 parameters an entry: slices keep a statement far below PostgreSQL's 65,535, whatever
    // KAFKA_RECORDS_PER_TRANSACTION is set to.
    while (this.pending.length > 0) await this.manager.insert(ArchiveEntry, this.pending.splice(0, INSERT_SLICE));
  }

  private async finish(): Promise<void> {
    if (this.toIndex.length === 0) return;
    await this.flush();
    await this.manager.query(`UPDATE chain_head SET seq = $1, entry_hash = $2`, [this.head.seq, this.head.entryHash]);
    await this.index.project(this.manager, this.toIndex.splice(0));
  }
}
