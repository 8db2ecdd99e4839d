import { Client, ClientConfig } from 'pg';
import { CompressionTypes, Kafka, Message, Producer } from 'kafkajs';
import { DEFAULT_OUTBOX_KEEP_PUBLISHED_HOURS, DEFAULT_PROCESSED_EVENTS_KEEP_DAYS } from './config';
import { consoleLogger, MessagingLogger } from './kafka';
import { outboxChannel } from './outbox';

export interface RelayedRow {
  seq: string;
  eventId: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface OutboxRelayOptions {
  /** Connection settings; the relay keeps one dedicated connection for LISTEN and its lock. */
  pg: ClientConfig;
  schema: string;
  kafka: Kafka;
  batchSize?: number;
  /** Fallback poll when no notification arrives (a notification is lost if the relay was down). */
  pollIntervalMs?: number;
  logger?: MessagingLogger;
  /** Observes each batch after Kafka acknowledged it and before it is marked published. */
  afterPublish?: (rows: RelayedRow[]) => Promise<void> | void;
  onPublished?: (count: number) => void;
  /**
   * How long a published row stays (it answers "what did this service send, and when?"), then it
   * is deleted; 0 keeps every row. Default 7 days. The compliance archive keeps every event for good.
   */
  keepPublishedMs?: number;
  /** How often the relay looks for published rows past `keepPublishedMs`, when it is not busy. */
  pruneIntervalMs?: number;
  /** Sequence numbers one prune covers at most, so a prune never holds up publishing for long. */
  pruneChunk?: number;
  /**
   * How long the service's consumers' records of processed events stay, then they are deleted; 0
   * keeps every record. Default 120 days, beyond every topic's retention (an event that comes back
   * after its record is gone would be handled again).
   */
  keepProcessedMs?: number;
  /** How often the relay looks for processed-event records past `keepProcessedMs`, when it is not busy. */
  pruneProcessedIntervalMs?: number;
}

/** The statement that marks rows published, their sequence numbers in query parameter `param`. */
const markPublishedSql = (param: string) => `UPDATE outbox SET published_at = clock_timestamp() WHERE seq = ANY(${param}::bigint[])`;

/**
 * The relay's session walks the unpublished index in sequence order, never through a bitmap. A
 * plain index scan marks the entries of rows published since the last poll as dead the first time
 * it passes them, so each poll costs what is new; a bitmap scan never marks them and visits every
 * row ever published until VACUUM removes its entry. The planner picks the bitmap whenever the
 * table's statistics are stale (a table autovacuum has not analysed yet, or autovacuum off): on
 * 10,000 published rows that is 1,142 pages read per poll against 30.
 */
export const RELAY_SESSION_SETTINGS = ['SET enable_bitmapscan = off'];

/**
 * Deletes published rows older than `$2` ms among the `$1` sequence numbers from the oldest
 * published row on: a range scan on the primary key, whatever the table's size. The relay
 * publishes in sequence order, so publication times rise with the sequence and the oldest rows
 * are at the start of the range.
 */
const PRUNE_PUBLISHED_SQL = `WITH oldest AS (SELECT seq FROM outbox WHERE published_at IS NOT NULL ORDER BY seq LIMIT 1)
  DELETE FROM outbox o USING oldest
   WHERE o.seq >= oldest.seq AND o.seq < oldest.seq + $1
     AND o.published_at < clock_timestamp() - $2 * interval '1 millisecond'`;

/**
 * Deletes at most `$1` processed-event records older than `$2` ms. No index serves it: the table
 * is the hottest a consumer writes, and a scan of it now and then costs less than an index entry
 * for every event handled. Records are written in time order, so the oldest come first in a scan.
 */
const PRUNE_PROCESSED_SQL = `DELETE FROM processed_events WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM processed_events WHERE processed_at < clock_timestamp() - $2 * interval '1 millisecond' LIMIT $1))`;

/** The relay's poll, its batch size in `$1` and the sequence numbers it is marking in `$2`. */
export const RELAY_SELECT_SQL = `WITH marked AS (${markPublishedSql('$2')})
       SELECT seq, event_id, topic, message_key, value, headers
         FROM outbox WHERE published_at IS NULL AND seq <> ALL($2::bigint[]) ORDER BY seq LIMIT $1`;

/**
 * Takes committed outbox rows to Kafka in sequence order and marks them published.
 *
 * It selects by `published_at IS NULL`, not by "sequence greater than the last one sent": a
 * transaction that took sequence 41 may commit after one that took 42, and a cursor would skip it.
 * A batch is marked published by the statement that selects the next one (one round trip per batch,
 * not two), or after the poll interval when nothing follows. A crash between Kafka's acknowledgement
 * and the mark publishes that batch again on restart, which is why every consumer is idempotent on
 * the event id. One relay per schema holds an advisory lock, so replicas of a service never publish
 * the same outbox concurrently.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private producer: Producer | null = null;
  private running = false;
  private holdsLock = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Set by a notification that arrives while a batch is in flight, so it is not lost. */
  private notified = false;
  /** Sequence numbers Kafka has acknowledged and the outbox does not yet say are published. */
  private unmarked: string[] = [];
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: MessagingLogger;
  private readonly keepPublishedMs: number;
  private readonly pruneIntervalMs: number;
  private readonly pruneChunk: number;
  private nextPruneAt = 0;
  private readonly keepProcessedMs: number;
  private readonly pruneProcessedIntervalMs: number;
  private nextProcessedPruneAt = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.logger = options.logger ?? consoleLogger;
    this.keepPublishedMs = options.keepPublishedMs ?? DEFAULT_OUTBOX_KEEP_PUBLISHED_HOURS * 3_600_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
    this.pruneChunk = options.pruneChunk ?? 10_000;
    this.keepProcessedMs = options.keepProcessedMs ?? DEFAULT_PROCESSED_EVENTS_KEEP_DAYS * 86_400_000;
    this.pruneProcessedIntervalMs = options.pruneProcessedIntervalMs ?? 3_600_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.connect();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
    // Events committed by the work that finished during shutdown leave now, not at the next start.
    if (this.holdsLock && this.client) {
      try {
        for (let i = 0; i < 20 && (await this.drainOnce()) > 0; i++);
        await this.markPublished();
      } catch (error) {
        this.logger.warn('outbox relay could not flush on stop', { err: (error as Error).message });
      }
    }
    await this.disconnect();
    await this.producer?.disconnect();
    this.producer = null;
  }

  get isLeader(): boolean {
    return this.holdsLock;
  }

  /**
   * Marks the batch before published and publishes the next batch of unpublished rows; returns how
   * many were published (the batch stays to be marked by the next call).
   */
  async drainOnce(): Promise<number> {
    const client = this.client;
    const producer = this.producer;
    if (!client || !producer) throw new Error('relay not started');
    const marking = this.unmarked;
    // The update's rows still read as unpublished to the select of the same statement: excluded by seq.
    const { rows } = await client.query<{
      seq: string;
      event_id: string;
      topic: string;
      message_key: string;
      value: Buffer;
      headers: Record<string, string>;
    }>(RELAY_SELECT_SQL, [this.batchSize, marking]);
    this.unmarked = [];
    if (rows.length === 0) return 0;
    const relayed: RelayedRow[] = rows.map((r) => ({
      seq: r.seq,
      eventId: r.event_id,
      topic: r.topic,
      key: r.message_key,
      value: r.value,
      headers: r.headers,
    }));
    const byTopic = new Map<string, Message[]>();
    for (const r of relayed) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    await this.options.afterPublish?.(relayed);
    this.unmarked = relayed.map((r) => r.seq);
    this.options.onPublished?.(relayed.length);
    return relayed.length;
  }

  /**
   * One chunk of published rows past their keeping time, when a prune is due. While the oldest
   * published row is still past its time, the next quiet moment takes the next chunk; otherwise
   * the next prune waits `pruneIntervalMs`. A failure only postpones pruning; publishing goes on.
   */
  private async prunePublished(): Promise<void> {
    if (this.keepPublishedMs <= 0 || Date.now() < this.nextPruneAt || !this.client) return;
    try {
      const { rowCount } = await this.client.query(PRUNE_PUBLISHED_SQL, [this.pruneChunk, this.keepPublishedMs]);
      const more = (rowCount ?? 0) > 0 && (await this.pastKeepingTime());
      this.nextPruneAt = more ? 0 : Date.now() + this.pruneIntervalMs;
    } catch (error) {
      this.nextPruneAt = Date.now() + this.pruneIntervalMs;
      this.logger.warn('outbox relay could not delete published rows past their keeping time', { err: (error as Error).message });
    }
  }

  /**
   * One chunk of processed-event records past their keeping time, when a prune is due; a full
   * chunk means more may wait, and the next quiet moment takes them. The relay does it because it
   * alone holds the schema's lock, so replicas do not prune the same records.
   */
  private async pruneProcessed(): Promise<void> {
    if (this.keepProcessedMs <= 0 || Date.now() < this.nextProcessedPruneAt || !this.client) return;
    try {
      const { rowCount } = await this.client.query(PRUNE_PROCESSED_SQL, [this.pruneChunk, this.keepProcessedMs]);
      this.nextProcessedPruneAt = (rowCount ?? 0) >= this.pruneChunk ? 0 : Date.now() + this.pruneProcessedIntervalMs;
    } catch (error) {
      this.nextProcessedPruneAt = Date.now() + this.pruneProcessedIntervalMs;
      this.logger.warn('outbox relay could not delete processed-event records past their keeping time', { err: (error as Error).message });
    }
  }

  /** Whether the oldest published row is past its keeping time. */
  private async pastKeepingTime(): Promise<boolean> {
    const { rows } = await this.client!.query<{ due: boolean }>(
      `SELECT published_at < clock_timestamp() - $1 * interval '1 millisecond' AS due
         FROM outbox WHERE published_at IS NOT NULL ORDER BY seq LIMIT 1`,
      [this.keepPublishedMs],
    );
    return rows[0]?.due === true;
  }

  /** Marks the last batch published now, without looking for the next. */
  private async markPublished(): Promise<void> {
    if (!this.client || this.unmarked.length === 0) return;
    await this.client.query(markPublishedSql('$1'), [this.unmarked]);
    this.unmarked = [];
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.client) await this.connect();
        if (!this.holdsLock) {
          this.holdsLock = await this.tryLock();
          if (!this.holdsLock) {
            await this.idle(this.pollIntervalMs * 4);
            continue;
          }
        }
        this.notified = false;
        const published = await this.drainOnce();
        failures = 0;
        if (published < this.batchSize) {
          await this.prunePublished();
          await this.pruneProcessed();
          await this.idle(this.pollIntervalMs);
        }
      } catch (error) {
        failures += 1;
        this.logger.error('outbox relay failed; retrying', { err: (error as Error).message, failures });
        await this.disconnect();
        await this.idle(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new Client(this.options.pg);
    client.on('error', (err) => this.logger.warn('outbox relay connection error', { err: err.message }));
    await client.connect();
    await client.query(`SET search_path TO "${this.options.schema}"`);
    for (const setting of RELAY_SESSION_SETTINGS) await client.query(setting);
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    await client.query(`LISTEN "${outboxChannel(this.options.schema)}"`);
    this.client = client;
    this.holdsLock = false;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.holdsLock = false;
    if (client) await client.end().catch(() => undefined);
  }

  private async tryLock(): Promise<boolean> {
    const { rows } = await this.client!.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
      [`outbox-relay:${this.options.schema}`],
    );
    return rows[0].locked;
  }

  private idle(ms: number): Promise<void> {
    if (!this.running || this.notified) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}
