import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { Events, TOPICS } from '@complaints/contracts';
import { collectTopic, createTestBed, eventually, TestBed } from '@complaints/testing';
import { InvalidEventError, OutboxPublisher, OutboxRelay, RELAY_SELECT_SQL, RELAY_SESSION_SETTINGS } from '@complaints/messaging';
import { CreateEffects1700000000001, effects, receivedEvent, startConsumer } from './fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('transactional outbox and relay (real Postgres and Kafka)', () => {
  let bed: TestBed;
  let publisher: OutboxPublisher;

  beforeEach(async () => {
    bed = await createTestBed({ migrations: [CreateEffects1700000000001], topics: [TOPICS.intake, 'effects.dlq'] });
    publisher = new OutboxPublisher('intake', bed.messaging.topicPrefix, bed.schema);
  });
  afterEach(() => bed.teardown());

  const relayFor = (b: TestBed, pollIntervalMs = 100) =>
    new OutboxRelay({ pg: { connectionString: b.databaseUrl }, schema: b.schema, kafka: b.kafka, logger: silent, pollIntervalMs });

  const unpublished = async () =>
    (await bed.dataSource.query(`SELECT event_id FROM outbox WHERE published_at IS NULL ORDER BY seq`)).map(
      (r: { event_id: string }) => r.event_id,
    );

  it('commits the event with the state change, or neither', async () => {
    const event = receivedEvent('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a01', 'rolled-back');
    await expect(
      bed.dataSource.transaction(async (m) => {
        await m.query(`INSERT INTO effects (complaint_id, event_id, label) VALUES ($1, $2, 'state')`, [event.complaintId, event.eventId]);
        await publisher.publish(m, Events.ComplaintReceived, event.complaintId, event.payload as never);
        throw new Error('business rule failed after the event was written');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await effects(bed.dataSource)).toHaveLength(0);
    expect(await bed.dataSource.query(`SELECT * FROM outbox`)).toHaveLength(0);

    await bed.dataSource.transaction(async (m) => {
      await m.query(`INSERT INTO effects (complaint_id, event_id, label) VALUES ($1, $2, 'state')`, [event.complaintId, event.eventId]);
      await publisher.publish(m, Events.ComplaintReceived, event.complaintId, event.payload as never);
    });
    expect(await effects(bed.dataSource)).toHaveLength(1);
    expect(await unpublished()).toHaveLength(1);
  });

  it('refuses an event that does not match its schema, and refuses to publish outside a transaction', async () => {
    const event = receivedEvent('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a02', 'bad');
    await expect(
      bed.dataSource.transaction((m) =>
        publisher.publish(m, Events.ComplaintReceived, event.complaintId, { ...(event.payload as object), channel: 'carrier-pigeon' } as never),
      ),
    ).rejects.toBeInstanceOf(InvalidEventError);
    await expect(
      publisher.publish(bed.dataSource.manager, Events.ComplaintReceived, event.complaintId, event.payload as never),
    ).rejects.toThrow('inside a transaction');
    expect(await bed.dataSource.query(`SELECT * FROM outbox`)).toHaveLength(0);
  });

  it('never skips a row that commits after a row with a higher sequence number', async () => {
    const relay = relayFor(bed);
    const topic = await collectTopic(bed.kafka, bed.topic(TOPICS.intake));
    // The "early" transaction takes its sequence number first but commits last.
    const early = bed.dataSource.createQueryRunner();
    await early.connect();
    await early.startTransaction();
    const earlyEvent = await publisher.publish(early.manager, Events.ComplaintReceived, '6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a03', receivedEvent('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a03', 'early').payload as never);
    const lateEvent = await bed.dataSource.transaction((m) =>
      publisher.publish(m, Events.ComplaintReceived, '6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a04', receivedEvent('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a04', 'late').payload as never),
    );
    const [{ seq: earlySeq }] = await early.query(`SELECT seq FROM outbox WHERE event_id = $1`, [earlyEvent.eventId]);
    const [{ seq: lateSeq }] = await bed.dataSource.query(`SELECT seq FROM outbox WHERE event_id = $1`, [lateEvent.eventId]);
    expect(BigInt(earlySeq)).toBeLessThan(BigInt(lateSeq));

    await relay.start();
    try {
      await eventually(() => topic.messages.length === 1, { what: 'the committed row to be relayed' });
      await early.commitTransaction();
      await early.release();
      await eventually(() => topic.messages.length === 2, { what: 'the late-committing row to be relayed' });
      const ids = topic.messages.map((m) => JSON.parse(m.value!.toString()).eventId);
      expect(ids).toEqual([lateEvent.eventId, earlyEvent.eventId]);
      await eventually(async () => (await unpublished()).length === 0, { what: 'both rows marked published' });
    } finally {
      await relay.stop();
      await topic.stop();
    }
  });

  it('marks a batch published with the statement that selects the next, and the last batch when it stops', async () => {
    // A poll interval longer than the test: only the next batch or the stop can mark a batch.
    const relay = relayFor(bed, 600_000);
    const topic = await collectTopic(bed.kafka, bed.topic(TOPICS.intake));
    const publish = (complaintId: string, label: string) =>
      bed.dataSource.transaction((m) => publisher.publish(m, Events.ComplaintReceived, complaintId, receivedEvent(complaintId, label).payload as never));
    await relay.start();
    try {
      const first = await publish('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a06', 'first');
      await eventually(() => topic.messages.length === 1, { what: 'the first event relayed' });
      const second = await publish('6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a07', 'second');
      await eventually(() => topic.messages.length === 2, { what: 'the second event relayed' });
      // Selecting the second marked the first; the second waits for a next batch or the stop.
      expect(await unpublished()).toEqual([second.eventId]);
      expect(topic.messages.map((m) => JSON.parse(m.value!.toString()).eventId)).toEqual([first.eventId, second.eventId]);
    } finally {
      await relay.stop();
      await topic.stop();
    }
    expect(await unpublished()).toEqual([]);
  });

  it("reads only what is new at each poll, not every row published before, while the table's statistics are stale", async () => {
    // 5,000 published rows and none analysed: what a busy outbox looks like between two runs of
    // autovacuum, or where autovacuum is off.
    await bed.dataSource.query(
      `INSERT INTO outbox (event_id, topic, message_key, value, published_at)
       SELECT gen_random_uuid(), 'complaints.intake', 'k' || n, convert_to(repeat('x', 600), 'UTF8'), NULL FROM generate_series(1, 5000) n`,
    );
    await bed.dataSource.query(`UPDATE outbox SET published_at = clock_timestamp()`);
    const [{ event_id: waiting }] = await bed.dataSource.query(
      `INSERT INTO outbox (event_id, topic, message_key, value) VALUES (gen_random_uuid(), 'complaints.intake', 'new', '\\x00') RETURNING event_id`,
    );
    const [{ pages }] = await bed.dataSource.query(`SELECT pg_relation_size('outbox') / current_setting('block_size')::int AS pages`);

    const session = new Client({ connectionString: bed.databaseUrl });
    await session.connect();
    try {
      await session.query(`SET search_path TO "${bed.schema}"`);
      for (const setting of RELAY_SESSION_SETTINGS) await session.query(setting);
      const poll = async () => {
        const [{ 'QUERY PLAN': [plan] }] = (await session.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${RELAY_SELECT_SQL}`, [500, []])).rows;
        const rows = (await session.query(RELAY_SELECT_SQL.replace('SELECT seq,', 'SELECT event_id AS id, seq,'), [500, []])).rows;
        return { pagesRead: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], ids: rows.map((r: { id: string }) => r.id) };
      };
      const first = await poll();
      const second = await poll();
      expect(first.ids).toEqual([waiting]);
      expect(second.ids).toEqual([waiting]);
      // The first poll passes the published rows once; later ones skip them without a visit.
      expect(Number(pages)).toBeGreaterThan(300);
      expect(second.pagesRead).toBeLessThan(Number(pages) / 10);
    } finally {
      await session.end();
    }
  });

  it('deletes published rows past their keeping time, a chunk at each quiet moment, and keeps every other row', async () => {
    const topic = bed.topic(TOPICS.intake);
    const write = (from: number, to: number, label: string, createdAgo: string, publishedAgo: string | null) =>
      bed.dataSource.query(
        `INSERT INTO outbox (event_id, topic, message_key, value, created_at, published_at)
         SELECT gen_random_uuid(), $1, $2 || n, '\\x00', now() - $3::interval, now() - $4::interval FROM generate_series($5::int, $6::int) n`,
        [topic, label, createdAgo, publishedAgo, from, to],
      );
    // As the relay leaves them: published in sequence order.
    await write(1, 24, 'old-', '8 days', '8 days');
    await write(25, 27, 'recent-', '1 hour', '1 hour');
    await write(28, 28, 'not-yet-sent-', '1 second', null);
    // A chunk of 10 sequence numbers and a prune interval longer than the test: only pruning again
    // at the next quiet moment, while old rows remain, can take all 24.
    const relay = new OutboxRelay({
      pg: { connectionString: bed.databaseUrl },
      schema: bed.schema,
      kafka: bed.kafka,
      logger: silent,
      pollIntervalMs: 50,
      keepPublishedMs: 7 * 24 * 3_600_000,
      pruneIntervalMs: 600_000,
      pruneChunk: 10,
    });
    const keys = async () => (await bed.dataSource.query(`SELECT message_key FROM outbox ORDER BY seq`)).map((r: { message_key: string }) => r.message_key);
    await relay.start();
    try {
      await eventually(async () => (await keys()).length === 4, { what: 'the old published rows deleted' });
    } finally {
      await relay.stop();
    }
    expect(await keys()).toEqual(['recent-25', 'recent-26', 'recent-27', 'not-yet-sent-28']);
    expect(await unpublished()).toEqual([]);
  });

  it('deletes records of processed events past their keeping time, a chunk at each quiet moment, and keeps the recent ones', async () => {
    const write = (from: number, to: number, label: string, outcome: string, ago: string) =>
      bed.dataSource.query(
        `INSERT INTO processed_events (consumer_group, event_id, outcome, processed_at)
         SELECT 'pruning-group', $1 || n, $2, now() - $3::interval FROM generate_series($4::int, $5::int) n`,
        [label, outcome, ago, from, to],
      );
    await write(1, 20, 'old-', 'handled', '130 days');
    await write(21, 24, 'old-dead-letter-', 'dead-lettered', '125 days');
    await write(25, 27, 'recent-', 'handled', '1 day');
    await write(28, 28, 'recent-dead-letter-', 'dead-lettered', '100 days');
    // A chunk of 10 and an interval longer than the test: only coming back at the next quiet moment
    // after a full chunk can take all 24.
    const relay = new OutboxRelay({
      pg: { connectionString: bed.databaseUrl },
      schema: bed.schema,
      kafka: bed.kafka,
      logger: silent,
      pollIntervalMs: 50,
      keepProcessedMs: 120 * 86_400_000,
      pruneProcessedIntervalMs: 600_000,
      pruneChunk: 10,
    });
    const kept = async () =>
      (await bed.dataSource.query(`SELECT event_id FROM processed_events WHERE consumer_group = 'pruning-group' ORDER BY event_id`)).map(
        (r: { event_id: string }) => r.event_id,
      );
    await relay.start();
    try {
      await eventually(async () => (await kept()).length === 4, { what: 'the old records deleted' });
    } finally {
      await relay.stop();
    }
    expect(await kept()).toEqual(['recent-25', 'recent-26', 'recent-27', 'recent-dead-letter-28']);
  });

  it('survives being killed between publishing and marking: the event is sent again and handled once', async () => {
    const complaintId = '6f1c1a58-1c62-4c1b-9a53-2d0f6c8e9a05';
    const event = await bed.dataSource.transaction((m) =>
      publisher.publish(m, Events.ComplaintReceived, complaintId, receivedEvent(complaintId, 'crash').payload as never),
    );

    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'relay-child.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
        DATABASE_URL: bed.databaseUrl,
        SCHEMA: bed.schema,
        KAFKA_BROKERS: bed.messaging.brokers.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(exit.signal).toBe('SIGKILL');
    expect(stdout).toContain(`PUBLISHED ${event.eventId}`);
    expect(await unpublished()).toEqual([event.eventId]);

    const relay = relayFor(bed);
    const topic = await collectTopic(bed.kafka, bed.topic(TOPICS.intake));
    await relay.start();
    const consumer = await startConsumer(bed);
    try {
      await eventually(() => topic.messages.length === 2, { what: 'the event on the topic twice' });
      expect(topic.messages.map((m) => JSON.parse(m.value!.toString()).eventId)).toEqual([event.eventId, event.eventId]);
      await eventually(async () => (await effects(bed.dataSource)).length === 1, { what: 'the effect' });
      // Let the duplicate be consumed too, then check there is still exactly one effect.
      await eventually(
        async () => (await bed.dataSource.query(`SELECT 1 FROM processed_events WHERE event_id = $1`, [event.eventId])).length === 1,
      );
      await eventually(async () => {
        const admin = bed.kafka.admin();
        await admin.connect();
        const [offsets] = await admin.fetchOffsets({ groupId: bed.topic('effects'), topics: [bed.topic(TOPICS.intake)] });
        await admin.disconnect();
        return offsets.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === 2;
      }, { what: 'both deliveries consumed and committed' });
      expect(await effects(bed.dataSource)).toHaveLength(1);
      expect(await unpublished()).toEqual([]);
    } finally {
      await consumer.stop();
      await relay.stop();
      await topic.stop();
    }
  });
});
