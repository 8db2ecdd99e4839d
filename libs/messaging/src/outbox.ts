import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EventDefinition, EventEnvelope, EventPayload, ServiceName } from '@complaints/contracts';
import { resolveTopic } from './config';
import { currentCorrelation, newCorrelationId } from './correlation';

export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly detail: string,
  ) {
    super(`refusing to publish invalid ${eventType}: ${detail}`);
  }
}

export interface PublishOptions {
  correlationId?: string;
  causationId?: string | null;
  occurredAt?: Date;
}

export const outboxChannel = (schema: string): string => `outbox_${schema}`;

/**
 * Turns an event into the earlier version of it that every reader knows, or answers null to write
 * it as it is: while a release that adds versions rolls out, producers keep writing the versions
 * the replicas still on the earlier release can read.
 */
export type EarlierVersion = (definition: EventDefinition, payload: unknown) => { definition: EventDefinition; payload: unknown } | null;

/**
 * Writes events to the outbox inside the caller's transaction, so the state change and the
 * event commit together or not at all. The relay takes them to Kafka afterwards.
 */
export class OutboxPublisher {
  private earlierVersion: EarlierVersion | null = null;

  constructor(
    private readonly producer: ServiceName,
    private readonly topicPrefix: string,
    private readonly schema: string,
  ) {}

  /** From now on every event `earlier` rewrites is written as the version it gives (see EarlierVersion). */
  writeEarlierVersions(earlier: EarlierVersion): void {
    this.earlierVersion = earlier;
  }

  async publish<D extends EventDefinition>(
    manager: EntityManager,
    given: D,
    complaintId: string,
    givenPayload: EventPayload<D>,
    options: PublishOptions = {},
  ): Promise<EventEnvelope<EventPayload<D>>> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxPublisher.publish must run inside a transaction');
    }
    const earlier = this.earlierVersion?.(given, givenPayload) ?? null;
    const definition = earlier?.definition ?? given;
    const payload = earlier ? earlier.payload : givenPayload;
    const parsed = definition.schema.safeParse(payload);
    if (!parsed.success) {
      throw new InvalidEventError(
        definition.pattern,
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const scope = currentCorrelation();
    const envelope: EventEnvelope<EventPayload<D>> = {
      eventId: randomUUID(),
      type: definition.type,
      version: definition.version,
      occurredAt: (options.occurredAt ?? new Date()).toISOString(),
      complaintId,
      correlationId: options.correlationId ?? scope?.correlationId ?? newCorrelationId(),
      causationId: options.causationId !== undefined ? options.causationId : (scope?.causationId ?? null),
      producer: this.producer,
      payload: parsed.data as EventPayload<D>,
    };
    await writeOutboxRow(manager, this.schema, {
      eventId: envelope.eventId,
      topic: resolveTopic({ topicPrefix: this.topicPrefix }, definition.topic),
      key: complaintId,
      value: Buffer.from(JSON.stringify(envelope), 'utf8'),
      headers: {
        'x-correlation-id': envelope.correlationId,
        'event-type': envelope.type,
        'event-version': String(envelope.version),
        'event-id': envelope.eventId,
      },
    });
    return envelope;
  }
}

export interface OutboxRow {
  eventId: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export async function writeOutboxRow(manager: EntityManager, schema: string, row: OutboxRow): Promise<void> {
  // One statement, one round trip. The notification is delivered at commit only, so the relay
  // wakes exactly when there is something to read.
  await manager.query(
    `WITH written AS (
       INSERT INTO outbox (event_id, topic, message_key, value, headers) VALUES ($1, $2, $3, $4, $5) RETURNING seq
     )
     SELECT pg_notify($6, '') FROM written`,
    [row.eventId, row.topic, row.key, row.value, JSON.stringify(row.headers), outboxChannel(schema)],
  );
}
