import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { EventEnvelope, Events, TOPICS } from '@complaints/contracts';
import { TestBed } from '@complaints/testing';
import { EventContext, KafkaEventTransport, OutboxPublisher, RethrowRpcExceptionFilter, RetryPolicy } from '@complaints/messaging';

/** The effect a test handler leaves: one row per handled event, in handling order. */
export class CreateEffects1700000000001 implements MigrationInterface {
  name = 'CreateEffects1700000000001';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE effects (n bigserial PRIMARY KEY, complaint_id uuid NOT NULL, event_id uuid NOT NULL, label text NOT NULL)`);
    // One row per committed handler transaction: how many events it handled, written just before its commit.
    await q.query(`CREATE TABLE tallies (n bigserial PRIMARY KEY, records int NOT NULL)`);
  }
  async down(q: QueryRunner) {
    await q.query(`DROP TABLE tallies`);
    await q.query(`DROP TABLE effects`);
  }
}

export function receivedEvent(complaintId: string, label: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: Events.ComplaintReceived.type,
    version: 1,
    occurredAt: new Date().toISOString(),
    complaintId,
    correlationId: `corr-${label}`,
    causationId: null,
    producer: 'intake',
    payload: {
      ticketNumber: `T-${label}`,
      channel: 'web',
      channelReference: null,
      receivedAt: new Date().toISOString(),
      customerRef: 'cust_test',
      productHint: null,
      summary: label,
      language: 'en',
      amountInDispute: null,
      preferredReplyChannel: 'email',
      regime: 'cn-cbirc',
      responseDueBy: new Date(Date.now() + 86_400_000).toISOString(),
    },
    ...overrides,
  };
}

/** Hooks the test sets to steer the handler. */
export const behaviour = {
  failFor: new Set<string>(),
  gate: null as Promise<void> | null,
  active: 0,
  maxActive: 0,
};

@Controller()
class EffectRecorder {
  @EventPattern(Events.ComplaintReceived.pattern)
  async record(@Payload() event: EventEnvelope<{ summary: string }>, @Ctx() ctx: EventContext) {
    behaviour.active += 1;
    behaviour.maxActive = Math.max(behaviour.maxActive, behaviour.active);
    try {
      if (behaviour.gate) await behaviour.gate;
      await ctx.manager.query(`INSERT INTO effects (complaint_id, event_id, label) VALUES ($1, $2, $3)`, [
        event.complaintId,
        event.eventId,
        event.payload.summary,
      ]);
      const tally = await ctx.transaction.memo('tally', async () => {
        const kept = { records: 0 };
        ctx.transaction.beforeCommit(async () => {
          await ctx.manager.query(`INSERT INTO tallies (records) VALUES ($1)`, [kept.records]);
        });
        return kept;
      });
      tally.records += 1;
      // Give concurrent handlers a chance to overlap, as real handlers doing I/O do.
      await ctx.manager.query('SELECT pg_sleep(0.01)');
      if (behaviour.failFor.has(event.payload.summary)) throw new Error(`cannot handle ${event.payload.summary}`);
    } finally {
      behaviour.active -= 1;
    }
  }
}

@Module({ controllers: [EffectRecorder] })
class EffectModule {}

export const GROUP = 'effects';

/** A Nest microservice with the transport under test, consuming the intake topic of the test bed. */
export async function startConsumer(
  bed: TestBed,
  retry: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
  recordsPerTransaction = 1,
) {
  const transport = new KafkaEventTransport({
    kafka: bed.kafka,
    dataSource: bed.dataSource,
    groupId: bed.topic(GROUP),
    topics: [bed.topic(TOPICS.intake)],
    schema: bed.schema,
    publisher: new OutboxPublisher('intake', bed.messaging.topicPrefix, bed.schema),
    retry,
    recordsPerTransaction,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const app = await NestFactory.createMicroservice(EffectModule, { strategy: transport, logger: false });
  app.useGlobalFilters(new RethrowRpcExceptionFilter());
  await app.listen();
  return { app, transport, stop: () => app.close() };
}

/** Each committed transaction's tally beside the number of effects that same transaction wrote. */
export async function talliesWithEffects(dataSource: DataSource): Promise<{ records: number; effects: number }[]> {
  return dataSource.query(
    `SELECT t.records, (SELECT count(*)::int FROM effects e WHERE e.xmin = t.xmin) AS effects FROM tallies t ORDER BY t.n`,
  );
}

export async function effects(dataSource: DataSource): Promise<{ complaint_id: string; event_id: string; label: string }[]> {
  return dataSource.query(`SELECT complaint_id, event_id, label FROM effects ORDER BY n`);
}
