import { randomUUID } from 'node:crypto';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { decodeEnvelope, deadLetterTopic, EnvelopeRejection, EventEnvelope } from '@complaints/contracts';
import { runWithCorrelation } from './correlation';
import { EventContext, LockContended, RecordPosition, TransactionScope } from './event-context';
import { consoleLogger, MessagingLogger } from './kafka';
import { OutboxPublisher, writeOutboxRow } from './outbox';
import { backoffDelay, DEFAULT_RETRY_POLICY, isInfrastructureFailure, RetryPolicy } from './retry';

/** Pattern of a handler that takes every known event (the archive keeps them all). */
export const ANY_EVENT = '*';

export type HandlingOutcome = 'handled' | 'duplicate' | 'ignored' | 'dead-lettered';

/** Set by the DLQ tool on a dead letter it sends back: `<dlq partition>/<dlq offset>` of the letter. */
export const REPLAYED_FROM_HEADER = 'dlq-replayed-from';

export interface KafkaEventTransportOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /** Consumer group id, already prefixed; its dead-letter topic is `<groupId>.dlq`. */
  groupId: string;
  topics: string[];
  schema: string;
  publisher: OutboxPublisher;
  retry?: RetryPolicy;
  /** Partitions handled at once. */
  partitionConcurrency?: number;
  /** Complaints (record keys) handled at once within one partition's batch. */
  keyConcurrency?: number;
  sessionTimeoutMs?: number;
  /** A fetch answers once this many bytes wait (default 1), or after fetchMaxWaitMs (default 100). */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /**
   * Records of one partition's batch handled in one database transaction (default 1: each in its
   * own). Only for handlers whose every effect is in the database, so that a failed batch can be
   * rolled back and handled again record by record with nothing done twice.
   */
  recordsPerTransaction?: number;
  fromBeginning?: boolean;
  logger?: MessagingLogger;
  onOutcome?: (outcome: HandlingOutcome, eventType: string, durationMs: number) => void;
}

/** Consecutive records of one partition. */
interface PartitionChunk {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

/**
 * A Nest transport strategy that keeps `@EventPattern` handlers and dependency injection but adds
 * the delivery guarantees the stock Kafka server lacks:
 *
 * - each event is handled in a database transaction that also records its id, so a redelivered
 *   event has no second effect;
 * - offsets are committed only after every record before them has committed its transaction or
 *   been dead-lettered;
 * - records of one complaint (one key) are handled in order, different complaints concurrently;
 * - failures are retried with backoff and then dead-lettered with the reason, while later records flow;
 * - records that fail schema validation, or whose type and version are unknown, are dead-lettered
 *   at once, never silently marked done;
 * - where the service allows it, a partition's records share one transaction (one commit, and the
 *   archive's chain head locked once, for up to `recordsPerTransaction` events), and so do the
 *   records of other partitions waiting at the same moment; if any of them fails, that
 *   transaction is rolled back, each partition's records are tried together on their own, and a
 *   partition whose records still fail is handled one by one as above.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private consumer: Consumer | null = null;
  /** Partitions' records waiting to share the next transaction, and the loop that handles them. */
  private waiting: { chunk: PartitionChunk; resolve: (handledTogether: boolean) => void }[] = [];
  private sharing: Promise<void> | null = null;
  private closing = false;
  private readonly retry: RetryPolicy;
  private readonly log: MessagingLogger;
  private readonly dlqTopic: string;

  constructor(private readonly options: KafkaEventTransportOptions) {
    super();
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.log = options.logger ?? consoleLogger;
    this.dlqTopic = deadLetterTopic(options.groupId);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const consumer = this.consumer;
    this.consumer = null;
    // disconnect() lets the batch in flight finish (and commit) before leaving the group.
    if (consumer) await consumer.disconnect();
  }

  on(): never {
    throw new Error('KafkaEventTransport does not emit status events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async start(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 100,
    });
    this.consumer = consumer;
    // KafkaJS gives up for good on an error it deems final (a member the coordinator dropped after a
    // handler outlasted the session, say) and leaves the service alive but deaf. A new consumer
    // rejoins the group and resumes from the committed offsets; redeliveries are recognised as duplicates.
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.closing || this.consumer !== consumer) return;
      this.log.error('consumer stopped for good; starting a new one', { groupId: this.options.groupId, err: String(event.payload.error?.message ?? event.payload.error) });
      void this.replaceConsumer(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionConcurrency ?? 3,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private async replaceConsumer(crashed: Consumer): Promise<void> {
    this.consumer = null;
    await crashed.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        await this.start();
        this.log.log('consumer rejoined its group', { groupId: this.options.groupId, attempt });
        return;
      } catch (e) {
        await (this.consumer as Consumer | null)?.disconnect().catch(() => undefined);
        this.consumer = null;
        this.log.error('consumer could not rejoin its group; trying again', { groupId: this.options.groupId, attempt, err: (e as Error).message });
        await sleep(Math.min(30_000, 1_000 * attempt));
      }
    }
  }

  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, resolveOffset } = payload;
    if (batch.messages.length === 0) return;
    const together = this.options.recordsPerTransaction ?? 1;
    if (together > 1) {
      for (let start = 0; start < batch.messages.length; start += together) {
        const chunk = batch.messages.slice(start, start + together);
        if (!(await this.handleWithOtherPartitions({ topic: batch.topic, partition: batch.partition, messages: chunk }))) {
          await this.handleByKey(batch.topic, batch.partition, chunk, heartbeat);
        }
        await heartbeat();
      }
    } else {
      await this.handleByKey(batch.topic, batch.partition, batch.messages, heartbeat);
    }
    const last = batch.messages[batch.messages.length - 1];
    resolveOffset(last.offset);
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
    ]);
    await heartbeat();
  }

  /** Each complaint's records in order, different complaints concurrently, each record in its own transaction. */
  private async handleByKey(topic: string, partition: number, messages: KafkaMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const byKey = new Map<string, KafkaMessage[]>();
    for (const message of messages) {
      const key = message.key ? message.key.toString('utf8') : `offset:${message.offset}`;
      const list = byKey.get(key) ?? [];
      list.push(message);
      byKey.set(key, list);
    }
    await runPool([...byKey.values()], this.options.keyConcurrency ?? 8, async (keyed) => {
      for (const message of keyed) {
        await this.handleRecord(topic, partition, message, heartbeat);
      }
    });
  }

  /**
   * Handles a partition's records in one transaction, shared with the records of other partitions
   * that are waiting at the same moment: one fetch brings batches of every partition and topic the
   * service reads, and one commit for all of them costs the database less than one each (measured
   * in docs/resilience.md, "Partitions").
   * Each partition's records stay in order, and its offset is committed only after the shared
   * transaction. Resolves false, with nothing committed, when this partition's records could not
   * be handled together even on their own: the caller then handles them one by one.
   */
  private handleWithOtherPartitions(chunk: PartitionChunk): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.waiting.push({ chunk, resolve });
      // Started on the next turn of the event loop, so batches of one fetch dispatched together wait for it.
      this.sharing ??= new Promise<void>((turn) => setImmediate(turn)).then(() => this.handleWaiting());
    });
  }

  private async handleWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      if (await this.handleTogether(group.map((w) => w.chunk)).catch(() => false)) {
        for (const w of group) w.resolve(true);
      } else if (group.length === 1) {
        group[0].resolve(false);
      } else {
        // One partition's failure should not send the others to the slow path.
        for (const w of group) w.resolve(await this.handleTogether([w.chunk]).catch(() => false));
      }
    }
    this.sharing = null;
  }

  /**
   * Handles the records in order in one transaction. Returns false, with nothing committed, when
   * one of them is invalid or its handler fails: the caller then handles them one by one, which
   * retries and dead-letters the culprit and handles the rest.
   */
  private async handleTogether(chunks: PartitionChunk[]): Promise<boolean> {
    const started = Date.now();
    const work: { position: RecordPosition; envelope: EventEnvelope; handler: MessageHandler }[] = [];
    for (const { topic, partition, messages } of chunks) {
      for (const message of messages) {
        const decoded = decodeEnvelope(message.value);
        if (!decoded.ok) return false;
        // Topics carry event types this service does not act on: those are skipped, and a batch of only those needs no transaction.
        const handler = this.handlerFor(decoded.definition.pattern);
        if (handler) work.push({ position: { topic, partition, offset: message.offset }, envelope: decoded.envelope, handler });
      }
    }
    if (work.length === 0) return true;
    let outcomes: { envelope: EventEnvelope; outcome: 'handled' | 'duplicate' }[] = [];
    try {
      await this.options.dataSource.transaction(async (manager) => {
        outcomes = [];
        // One statement marks the whole batch; an event id it does not return was handled before,
        // and an id repeated within the batch is handled at its first occurrence only.
        const fresh = await this.markProcessed(manager, work.map((w) => w.envelope.eventId));
        const scope = new TransactionScope();
        for (const { position, envelope, handler } of work) {
          if (!fresh.delete(envelope.eventId)) {
            outcomes.push({ envelope, outcome: 'duplicate' });
            continue;
          }
          await runWithCorrelation({ correlationId: envelope.correlationId, causationId: envelope.eventId }, () =>
            this.runHandler(manager, handler, envelope, position, scope),
          );
          outcomes.push({ envelope, outcome: 'handled' });
        }
        await scope.finish();
      });
    } catch (error) {
      const records = chunks.map((c) => `${c.topic}/${c.partition}@${c.messages[0].offset}+${c.messages.length}`);
      if (error instanceof LockContended) {
        // Expected under concurrency: not a fault, only the slower path.
        this.log.log('records handled together met a lock held elsewhere; handling them apart', { records, lock: error.key });
      } else if (!isInfrastructureFailure(error)) {
        this.log.warn('records handled together failed; handling them apart', { records, err: (error as Error).message });
      }
      return false;
    }
    const durationMs = Date.now() - started;
    for (const { envelope, outcome } of outcomes) {
      this.options.onOutcome?.(outcome, envelope.type, durationMs / outcomes.length);
      this.log.log('event handled', {
        eventType: envelope.type, eventId: envelope.eventId, complaintId: envelope.complaintId,
        correlationId: envelope.correlationId, outcome, attempt: 1, together: outcomes.length,
      });
    }
    return true;
  }

  /** The handler for an event type, or the one that takes every event, or none. */
  private handlerFor(pattern: string): MessageHandler | null {
    return this.getHandlerByPattern(pattern) ?? this.getHandlerByPattern(ANY_EVENT);
  }

  /** Marks the event processed and runs its handler, in the caller's transaction; a repeat is a duplicate. */
  private async handleInTransaction(
    manager: EntityManager,
    handler: MessageHandler,
    envelope: EventEnvelope,
    position: RecordPosition,
  ): Promise<'handled' | 'duplicate'> {
    if ((await this.markProcessed(manager, [envelope.eventId])).size === 0) return 'duplicate';
    const scope = new TransactionScope();
    await this.runHandler(manager, handler, envelope, position, scope);
    await scope.finish();
    return 'handled';
  }

  /**
   * Records the events as handled by this group, in the caller's transaction, and returns the ids
   * not handled before (an earlier dead letter, since replayed, counts as not handled).
   */
  private async markProcessed(manager: EntityManager, eventIds: string[]): Promise<Set<string>> {
    const fresh: { event_id: string }[] = await manager.query(
      `INSERT INTO processed_events (consumer_group, event_id, outcome) SELECT $1, unnest($2::text[]), 'handled'
       ON CONFLICT (consumer_group, event_id) DO UPDATE SET outcome = 'handled', processed_at = clock_timestamp()
         WHERE processed_events.outcome = 'dead-lettered'
       RETURNING event_id`,
      [this.options.groupId, [...new Set(eventIds)]],
    );
    return new Set(fresh.map((row) => row.event_id));
  }

  private async runHandler(
    manager: EntityManager,
    handler: MessageHandler,
    envelope: EventEnvelope,
    position: RecordPosition,
    scope: TransactionScope,
  ): Promise<void> {
    const context = new EventContext(envelope, manager, position, this.options.publisher, scope);
    const result = await handler(envelope, context);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /** Handles one record to a final outcome, or throws (infrastructure down) so nothing is committed. */
  async handleRecord(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void> = async () => undefined,
  ): Promise<HandlingOutcome> {
    const started = Date.now();
    const decoded = decodeEnvelope(message.value);
    if (!decoded.ok) {
      await this.deadLetter(topic, partition, message, decoded, 0, null);
      this.options.onOutcome?.('dead-lettered', 'invalid', Date.now() - started);
      return 'dead-lettered';
    }
    const { envelope, definition } = decoded;
    const handler = this.handlerFor(definition.pattern);
    if (!handler) {
      // A known event this service does not act on: topics carry several event types.
      return 'ignored';
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await runWithCorrelation(
          { correlationId: envelope.correlationId, causationId: envelope.eventId },
          () =>
            this.options.dataSource.transaction((manager) =>
              this.handleInTransaction(manager, handler, envelope, { topic, partition, offset: message.offset }),
            ),
        );
        this.options.onOutcome?.(outcome, envelope.type, Date.now() - started);
        this.log.log('event handled', {
          eventType: envelope.type, eventId: envelope.eventId, complaintId: envelope.complaintId,
          correlationId: envelope.correlationId, outcome, attempt, durationMs: Date.now() - started,
        });
        return outcome;
      } catch (error) {
        if (isInfrastructureFailure(error)) throw error;
        const err = error as Error;
        if (attempt >= this.retry.maxAttempts) {
          this.log.error('event handling failed; dead-lettering', {
            eventType: envelope.type, eventId: envelope.eventId, correlationId: envelope.correlationId, attempt, err: err.message,
          });
          await this.deadLetter(topic, partition, message, { reason: 'handler-failed', detail: err.message ?? String(err) }, attempt, envelope.eventId);
          this.options.onOutcome?.('dead-lettered', envelope.type, Date.now() - started);
          return 'dead-lettered';
        }
        this.log.warn('event handling failed; will retry', {
          eventType: envelope.type, eventId: envelope.eventId, correlationId: envelope.correlationId, attempt, err: err.message,
        });
        await sleep(backoffDelay(this.retry, attempt));
        await heartbeat();
      }
    }
  }

  /**
   * Writes the original record, with the reason, to this group's dead-letter topic through the
   * outbox, marked in the same transaction so a redelivery does not dead-letter it twice.
   *
   * A replayed dead letter that fails again is marked by its own position rather than its event
   * id: the event's id is already marked from the first failure, and keying on it would drop the
   * renewed failure, leaving only the older letter, which expires on the DLQ topic while the
   * event is still unhandled. The position still recognises a redelivery of that replay.
   */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    rejection: EnvelopeRejection | { reason: 'handler-failed'; detail: string },
    attempts: number,
    eventId: string | null,
  ): Promise<void> {
    const position = `${topic}/${partition}/${message.offset}`;
    const replayed = eventId !== null && stringHeaders(message.headers)[REPLAYED_FROM_HEADER] !== undefined;
    const markId = eventId === null || replayed ? position : eventId;
    let written = false;
    await this.options.dataSource.transaction(async (manager) => {
      written = false;
      if (replayed) {
        // The event's own mark keeps redeliveries of its source record from being dead-lettered
        // again, and must outlive the new letter on the DLQ topic, so it is renewed.
        await manager.query(
          `INSERT INTO processed_events (consumer_group, event_id, outcome) VALUES ($1, $2, 'dead-lettered')
           ON CONFLICT (consumer_group, event_id) DO UPDATE SET processed_at = clock_timestamp()
             WHERE processed_events.outcome = 'dead-lettered'`,
          [this.options.groupId, eventId],
        );
      }
      const fresh: unknown[] = await manager.query(
        `INSERT INTO processed_events (consumer_group, event_id, outcome) VALUES ($1, $2, 'dead-lettered')
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.groupId, markId],
      );
      if (fresh.length === 0) return;
      await writeOutboxRow(manager, this.options.schema, {
        eventId: randomUUID(),
        topic: this.dlqTopic,
        key: message.key ? message.key.toString('utf8') : '',
        value: message.value ?? Buffer.alloc(0),
        headers: {
          ...stringHeaders(message.headers),
          'dlq-reason': rejection.reason,
          'dlq-error': rejection.detail.slice(0, 2000),
          'dlq-attempts': String(attempts),
          'dlq-original-topic': topic,
          'dlq-original-partition': String(partition),
          'dlq-original-offset': message.offset,
          'dlq-consumer-group': this.options.groupId,
          'dlq-failed-at': new Date().toISOString(),
        },
      });
      written = true;
    });
    if (written) {
      this.log.warn('record dead-lettered', { topic, partition, offset: message.offset, reason: rejection.reason, dlqTopic: this.dlqTopic });
    } else {
      this.log.log('record already dead-lettered; not written again', { topic, partition, offset: message.offset, reason: rejection.reason, dlqTopic: this.dlqTopic });
    }
  }
}

export function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    out[k] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function runPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(workers);
}
