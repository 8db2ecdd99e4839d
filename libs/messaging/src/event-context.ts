import { EntityManager } from 'typeorm';
import { EventDefinition, EventEnvelope, EventPayload } from '@complaints/contracts';
import { OutboxPublisher } from './outbox';

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * What the handlers of one transaction share: when a partition's records share a transaction, a
 * handler can keep what it read under a lock (the archive's chain head) for the next record instead
 * of reading it again, and write it back once, just before the transaction commits.
 */
export class TransactionScope {
  private readonly memos = new Map<string, unknown>();
  private readonly finishers: (() => Promise<void>)[] = [];
  /** The advisory locks this transaction holds, by their keys. */
  readonly heldLocks = new Set<string>();

  /** The value kept under `key` in this transaction, made by `make` the first time it is asked for. */
  memo<T>(key: string, make: () => Promise<T>): Promise<T> {
    // The promise is kept, not its value, so two callers that ask at once share one making.
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as Promise<T>;
  }

  /** Runs `finish` inside the transaction after its last handler, before it commits. */
  beforeCommit(finish: () => Promise<void>): void {
    this.finishers.push(finish);
  }

  /** Called by the transport once every handler of the transaction has returned. */
  async finish(): Promise<void> {
    for (const finish of this.finishers) await finish();
  }
}

/**
 * Thrown when a transaction that already holds a lock finds another one taken: waiting could close
 * a cycle with a transaction that waits for ours. The transport handles the records one by one.
 */
export class LockContended extends Error {
  constructor(readonly key: string) {
    super(`lock ${key} is held by another transaction while this one holds others`);
    this.name = 'LockContended';
  }
}

/**
 * What an event handler receives beside the event: the transaction it must do its work in
 * (the processed-event mark is already in it) and a publisher that writes follow-up events into
 * the same transaction, carrying the correlation id and this event as their cause.
 */
export class EventContext {
  constructor(
    readonly envelope: EventEnvelope,
    readonly manager: EntityManager,
    readonly position: RecordPosition,
    private readonly publisher: OutboxPublisher,
    /** Shared with the other records handled in the same transaction; the transport finishes it before the commit. */
    readonly transaction: TransactionScope,
  ) {}

  /**
   * Takes the transaction-scoped advisory lock `key` (held until commit or rollback). A transaction
   * waits for such a lock only while it holds none of them, so two transactions never deadlock over
   * these locks; holding some, it takes the next only if it is free, or throws `LockContended` and
   * the transport handles the records one at a time, each then free to wait. (Row locks are not
   * counted: a rare cycle through them is still broken by PostgreSQL, and the records are then
   * handled one by one too.)
   */
  async lockFor(key: string): Promise<void> {
    const held = this.transaction.heldLocks;
    if (held.has(key)) return;
    if (held.size === 0) {
      await this.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
    } else {
      const [{ taken }] = (await this.manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS taken', [key])) as { taken: boolean }[];
      if (!taken) throw new LockContended(key);
    }
    held.add(key);
  }

  publish<D extends EventDefinition>(
    definition: D,
    payload: EventPayload<D>,
    complaintId: string = this.envelope.complaintId,
  ): Promise<EventEnvelope<EventPayload<D>>> {
    return this.publisher.publish(this.manager, definition, complaintId, payload, {
      correlationId: this.envelope.correlationId,
      causationId: this.envelope.eventId,
    });
  }
}
