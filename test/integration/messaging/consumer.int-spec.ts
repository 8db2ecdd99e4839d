import { randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { deadLetterTopic, EventEnvelope, TOPICS } from '@complaints/contracts';
import { collectTopic, createTestBed, eventually, TestBed } from '@complaints/testing';
import { OutboxRelay, readDeadLetters, replayDeadLetters } from '@complaints/messaging';
import { behaviour, CreateEffects1700000000001, effects, GROUP, receivedEvent, startConsumer, talliesWithEffects } from './fixtures';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('idempotent consumer transport (real Postgres and Kafka)', () => {
  let bed: TestBed;
  let producer: Producer;
  let relay: OutboxRelay;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | null;

  beforeEach(async () => {
    behaviour.failFor.clear();
    behaviour.gate = null;
    behaviour.maxActive = 0;
    bed = await createTestBed({ migrations: [CreateEffects1700000000001], topics: [TOPICS.intake, deadLetterTopic(GROUP)] });
    producer = bed.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Dead letters leave through the consumer's own outbox.
    relay = new OutboxRelay({ pg: { connectionString: bed.databaseUrl }, schema: bed.schema, kafka: bed.kafka, logger: silent, pollIntervalMs: 100 });
    await relay.start();
    consumer = null;
  });

  afterEach(async () => {
    await consumer?.stop();
    await relay.stop();
    await producer.disconnect();
    await bed.teardown();
  });

  const send = (records: { key: string; value: string | Buffer }[]) =>
    producer.send({ topic: bed.topic(TOPICS.intake), acks: -1, messages: records });
  const asRecord = (e: EventEnvelope) => ({ key: e.complaintId, value: JSON.stringify(e) });

  /** Runs `check` while the group's dead-letter topic is collected, and stops collecting after. */
  const withDeadLetters = async (check: (dlq: Awaited<ReturnType<typeof collectTopic>>) => Promise<void>) => {
    const dlq = await collectTopic(bed.kafka, bed.topic(deadLetterTopic(GROUP)));
    try {
      await check(dlq);
    } finally {
      await dlq.stop();
    }
  };

  const committedOffset = async (): Promise<number> => {
    const admin = bed.kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId: bed.topic(GROUP), topics: [bed.topic(TOPICS.intake)] });
      return topic.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  };

  it('handles an event delivered twice only once', async () => {
    const event = receivedEvent(randomUUID(), 'twice');
    await send([asRecord(event), asRecord(event)]);
    consumer = await startConsumer(bed);
    await eventually(async () => (await committedOffset()) === 2, { what: 'both deliveries committed' });
    expect(await effects(bed.dataSource)).toEqual([{ complaint_id: event.complaintId, event_id: event.eventId, label: 'twice' }]);
    expect(await bed.dataSource.query(`SELECT outcome FROM processed_events`)).toEqual([{ outcome: 'handled' }]);
  });

  it('dead-letters a poison message between two good ones, with its reason and attempts, and the good ones flow in order', async () => {
    const complaintId = randomUUID();
    const [good1, poison, good2] = ['good-1', 'poison', 'good-2'].map((label) => receivedEvent(complaintId, label));
    behaviour.failFor.add('poison');
    await withDeadLetters(async (dlq) => {
      await send([good1, poison, good2].map(asRecord));
      consumer = await startConsumer(bed);
      await eventually(() => dlq.messages.length === 1, { what: 'the dead letter' });
      await eventually(async () => (await committedOffset()) === 3, { what: 'offsets past all three' });
      expect((await effects(bed.dataSource)).map((e) => e.label)).toEqual(['good-1', 'good-2']);
      const [letter] = dlq.messages;
      expect(letter.key).toBe(complaintId);
      expect(JSON.parse(letter.value!.toString())).toEqual(poison);
      expect(letter.headers).toMatchObject({
        'dlq-reason': 'handler-failed',
        'dlq-error': 'cannot handle poison',
        'dlq-attempts': '3',
        'dlq-original-topic': bed.topic(TOPICS.intake),
        'dlq-original-offset': '1',
        'dlq-consumer-group': bed.topic(GROUP),
      });
    });
  });

  it('dead-letters malformed JSON, invalid payloads and unknown event types at once, never marking them done', async () => {
    const complaintId = randomUUID();
    const unknown = receivedEvent(complaintId, 'unknown', { type: 'complaint.teleported' });
    const futureVersion = receivedEvent(complaintId, 'v9', { version: 9 });
    const invalid = receivedEvent(complaintId, 'invalid', { payload: { ticketNumber: 42 } });
    const after = receivedEvent(complaintId, 'after');
    await withDeadLetters(async (dlq) => {
      await send([
        { key: complaintId, value: '{"this is": not json' },
        asRecord(unknown),
        asRecord(futureVersion),
        asRecord(invalid),
        asRecord(after),
      ]);
      consumer = await startConsumer(bed);
      await eventually(() => dlq.messages.length === 4, { what: 'four dead letters' });
      await eventually(async () => (await effects(bed.dataSource)).length === 1, { what: 'the good event after them' });
      expect(dlq.messages.map((m) => m.headers['dlq-reason'])).toEqual(['malformed-json', 'unknown-event', 'unknown-event', 'invalid-payload']);
      expect(dlq.messages.map((m) => m.headers['dlq-attempts'])).toEqual(['0', '0', '0', '0']);
      expect(dlq.messages[2].headers['dlq-error']).toContain('version 9');
      expect(dlq.messages[3].headers['dlq-error']).toContain('ticketNumber');
      expect(dlq.messages[0].value!.toString()).toBe('{"this is": not json');
      const outcomes = await bed.dataSource.query(`SELECT outcome, count(*)::int AS n FROM processed_events GROUP BY outcome ORDER BY outcome`);
      expect(outcomes).toEqual([
        { outcome: 'dead-lettered', n: 4 },
        { outcome: 'handled', n: 1 },
      ]);
    });
  });

  it('commits the offset only after the handler transaction has committed', async () => {
    let release!: () => void;
    behaviour.gate = new Promise<void>((r) => (release = r));
    const event = receivedEvent(randomUUID(), 'gated');
    await send([asRecord(event)]);
    consumer = await startConsumer(bed);
    await eventually(() => behaviour.active === 1, { what: 'the handler to start' });
    // The handler is inside its transaction: nothing committed, no offset moved.
    expect(await committedOffset()).toBe(0);
    expect(await effects(bed.dataSource)).toHaveLength(0);
    release();
    await eventually(async () => (await committedOffset()) === 1, { what: 'the offset after the commit' });
    expect(await effects(bed.dataSource)).toHaveLength(1);
  });

  it('handles independent complaints concurrently while keeping each complaint in order', async () => {
    const complaints = Array.from({ length: 12 }, () => randomUUID());
    const records = [];
    for (let step = 0; step < 5; step++) {
      for (const c of complaints) records.push(asRecord(receivedEvent(c, `${c}#${step}`)));
    }
    await send(records);
    consumer = await startConsumer(bed);
    await eventually(async () => (await effects(bed.dataSource)).length === records.length, { what: 'all 60 events', timeoutMs: 30_000 });
    const rows = await effects(bed.dataSource);
    for (const c of complaints) {
      expect(rows.filter((r) => r.complaint_id === c).map((r) => r.label)).toEqual([0, 1, 2, 3, 4].map((s) => `${c}#${s}`));
    }
    expect(behaviour.maxActive).toBeGreaterThan(1);
  });

  it('lists dead letters and replays them to their topic, where they are handled once fixed', async () => {
    const event = receivedEvent(randomUUID(), 'fixable');
    behaviour.failFor.add('fixable');
    await send([asRecord(event)]);
    consumer = await startConsumer(bed);
    const dlqTopic = bed.topic(deadLetterTopic(GROUP));
    const letters = await eventually(async () => {
      const found = await readDeadLetters(bed.kafka, dlqTopic);
      return found.length === 1 ? found : null;
    }, { what: 'the dead letter to be listed' });
    expect(letters[0].headers['dlq-reason']).toBe('handler-failed');
    expect(await effects(bed.dataSource)).toHaveLength(0);

    behaviour.failFor.clear();
    expect(await replayDeadLetters(bed.kafka, letters)).toBe(1);
    await eventually(async () => (await effects(bed.dataSource)).length === 1, { what: 'the replayed event handled' });
    expect((await effects(bed.dataSource))[0].event_id).toBe(event.eventId);
    expect(await bed.dataSource.query(`SELECT outcome FROM processed_events`)).toEqual([{ outcome: 'handled' }]);
  });

  it('dead-letters a replayed dead letter that fails again, naming the replay, while redeliveries of either record add none', async () => {
    const complaintId = randomUUID();
    const poison = receivedEvent(complaintId, 'still-poison');
    behaviour.failFor.add('still-poison');
    const dlqTopic = bed.topic(deadLetterTopic(GROUP));
    const lettersInOutbox = async (): Promise<number> =>
      Number((await bed.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = $1`, [dlqTopic]))[0].n);
    await withDeadLetters(async (dlq) => {
      await send([asRecord(poison)]);
      consumer = await startConsumer(bed);
      await eventually(() => dlq.messages.length === 1, { what: 'the first dead letter' });
      const [first] = dlq.messages;

      // The operator replays it before the cause is fixed: the handler fails again.
      const letters = await readDeadLetters(bed.kafka, dlqTopic);
      expect(await replayDeadLetters(bed.kafka, letters)).toBe(1);
      await eventually(() => dlq.messages.length === 2, { what: 'a second dead letter for the failed replay' });
      await eventually(async () => (await committedOffset()) === 2, { what: 'offsets past the record and its replay' });
      const second = dlq.messages[1];
      expect(second.key).toBe(complaintId);
      expect(JSON.parse(second.value!.toString())).toEqual(poison);
      expect(second.headers).toMatchObject({
        'dlq-reason': 'handler-failed',
        'dlq-error': 'cannot handle still-poison',
        'dlq-attempts': '3',
        'dlq-replayed-from': `${first.partition}/${first.offset}`,
        'dlq-original-topic': bed.topic(TOPICS.intake),
        'dlq-original-partition': first.headers['dlq-original-partition'],
        'dlq-original-offset': '1',
        'dlq-consumer-group': bed.topic(GROUP),
      });
      expect(first.headers['dlq-replayed-from']).toBeUndefined();
      expect(Date.parse(second.headers['dlq-failed-at'])).toBeGreaterThanOrEqual(Date.parse(first.headers['dlq-failed-at']));

      // Both records come again (the group reset to the beginning) and the original is published
      // once more: each fails again, and none is dead-lettered a second time.
      await consumer.stop();
      consumer = null;
      const admin = bed.kafka.admin();
      await admin.connect();
      try {
        const [intake] = await admin.fetchOffsets({ groupId: bed.topic(GROUP), topics: [bed.topic(TOPICS.intake)] });
        await admin.setOffsets({ groupId: bed.topic(GROUP), topic: bed.topic(TOPICS.intake), partitions: intake.partitions.map((p) => ({ partition: p.partition, offset: '0' })) });
      } finally {
        await admin.disconnect();
      }
      await send([asRecord(poison)]);
      consumer = await startConsumer(bed);
      await eventually(async () => (await committedOffset()) === 3, { what: 'offsets past both redeliveries and the duplicate' });
      expect(await lettersInOutbox()).toBe(2);
      expect(dlq.messages).toHaveLength(2);
      expect(await effects(bed.dataSource)).toHaveLength(0);
      expect(await bed.dataSource.query(`SELECT outcome FROM processed_events WHERE event_id = $1`, [poison.eventId])).toEqual([{ outcome: 'dead-lettered' }]);
    });
  }, 30_000);

  describe('with records sharing one transaction (recordsPerTransaction)', () => {
    /** Rows written by one transaction carry its id: fewer ids than events means shared commits. */
    const transactionsBehind = async (): Promise<number> =>
      Number((await bed.dataSource.query(`SELECT count(DISTINCT xmin::text)::int AS n FROM effects`))[0].n);

    it('handles a batch in fewer transactions than events, each event once and each complaint in order, a redelivery included', async () => {
      const complaints = Array.from({ length: 4 }, () => randomUUID());
      const events: EventEnvelope[] = [];
      for (let step = 0; step < 10; step++) for (const c of complaints) events.push(receivedEvent(c, `${c}#${step}`));
      // The relay may publish an event twice (a crash between send and mark): here in the same batch.
      await send([...events, events[5]].map(asRecord));
      consumer = await startConsumer(bed, undefined, 50);
      await eventually(async () => (await committedOffset()) === events.length + 1, { what: 'all 41 records committed', timeoutMs: 30_000 });
      const rows = await effects(bed.dataSource);
      expect(rows).toHaveLength(events.length);
      for (const c of complaints) {
        expect(rows.filter((r) => r.complaint_id === c).map((r) => r.label)).toEqual([...Array(10).keys()].map((s) => `${c}#${s}`));
      }
      expect(await transactionsBehind()).toBeLessThan(events.length);
      const marks = await bed.dataSource.query(`SELECT outcome, count(*)::int AS n FROM processed_events GROUP BY outcome`);
      expect(marks).toEqual([{ outcome: 'handled', n: events.length }]);
      // The handlers of one transaction shared one scope, whose tally was written inside that transaction.
      const tallies = await talliesWithEffects(bed.dataSource);
      expect(tallies).toHaveLength(await transactionsBehind());
      for (const tally of tallies) expect(tally.records).toBe(tally.effects);
      expect(tallies.reduce((sum, t) => sum + t.records, 0)).toBe(events.length);
    });

    it('shares one transaction between partitions fetched together, each partition in order and its offset committed after', async () => {
      // One complaint per partition, five events each, all waiting before the consumer starts: its first fetch brings all three.
      const complaints = [0, 1, 2].map(() => randomUUID());
      const events = complaints.flatMap((c) => Array.from({ length: 5 }, (_, step) => receivedEvent(c, `${c}#${step}`)));
      await producer.send({ topic: bed.topic(TOPICS.intake), acks: -1, messages: events.map((e) => ({ ...asRecord(e), partition: complaints.indexOf(e.complaintId) })) });
      consumer = await startConsumer(bed, undefined, 50);
      await eventually(async () => (await committedOffset()) === events.length, { what: 'all 15 records committed', timeoutMs: 30_000 });
      const rows = await effects(bed.dataSource);
      for (const c of complaints) {
        expect(rows.filter((r) => r.complaint_id === c).map((r) => r.label)).toEqual([...Array(5).keys()].map((s) => `${c}#${s}`));
      }
      const partitionsPerTransaction: { partitions: number }[] = await bed.dataSource.query(
        `SELECT count(DISTINCT complaint_id)::int AS partitions FROM effects GROUP BY xmin::text`,
      );
      expect(Math.max(...partitionsPerTransaction.map((t) => t.partitions))).toBeGreaterThan(1);
      const tallies = await talliesWithEffects(bed.dataSource);
      for (const tally of tallies) expect(tally.records).toBe(tally.effects);
      expect(tallies.reduce((sum, t) => sum + t.records, 0)).toBe(events.length);
    });

    it('when partitions sharing a transaction fail, tries each on its own: only the failing one goes record by record', async () => {
      const complaints = [0, 1, 2].map(() => randomUUID());
      const events = complaints.flatMap((c, p) => Array.from({ length: 5 }, (_, step) => receivedEvent(c, p === 1 && step === 2 ? 'poison' : `${c}#${step}`)));
      behaviour.failFor.add('poison');
      await withDeadLetters(async (dlq) => {
        await producer.send({ topic: bed.topic(TOPICS.intake), acks: -1, messages: events.map((e) => ({ ...asRecord(e), partition: complaints.indexOf(e.complaintId) })) });
        consumer = await startConsumer(bed, undefined, 50);
        await eventually(() => dlq.messages.length === 1, { what: 'the dead letter' });
        await eventually(async () => (await committedOffset()) === events.length, { what: 'offsets past all 15' });
        expect((await effects(bed.dataSource)).map((e) => e.label).sort()).toEqual(events.map((e) => e.payload.summary).filter((l) => l !== 'poison').sort());
        // Per transaction, the partitions it wrote and its events: the two sound partitions' five each
        // in transactions without the failing one, that one's four good events each on its own.
        const perTransaction: { complaints: string[]; n: number }[] = await bed.dataSource.query(
          `SELECT array_agg(DISTINCT complaint_id::text) AS complaints, count(*)::int AS n FROM effects GROUP BY xmin::text`,
        );
        const failing = complaints[1];
        expect(perTransaction.filter((t) => t.complaints.includes(failing)).map((t) => [t.complaints.length, t.n])).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
        const sound = perTransaction.filter((t) => !t.complaints.includes(failing));
        expect(sound.reduce((sum, t) => sum + t.n, 0)).toBe(10);
        expect(sound.every((t) => t.n === 5 * t.complaints.length)).toBe(true);
      });
    });

    it('rolls back a batch with a failing event and handles it record by record: the poison dead-lettered once, the others once, in order', async () => {
      const complaintId = randomUUID();
      const events = Array.from({ length: 12 }, (_, i) => receivedEvent(complaintId, i === 6 ? 'poison' : `ok-${i}`));
      behaviour.failFor.add('poison');
      await withDeadLetters(async (dlq) => {
        await send(events.map(asRecord));
        consumer = await startConsumer(bed, undefined, 50);
        await eventually(() => dlq.messages.length === 1, { what: 'the dead letter' });
        await eventually(async () => (await committedOffset()) === events.length, { what: 'offsets past all twelve' });
        expect((await effects(bed.dataSource)).map((e) => e.label)).toEqual(events.filter((_, i) => i !== 6).map((e) => e.payload.summary));
        expect(JSON.parse(dlq.messages[0].value!.toString())).toEqual(events[6]);
        // What the rolled-back batch kept in its scope went with it: the tallies count the eleven once.
        const tallies = await talliesWithEffects(bed.dataSource);
        for (const tally of tallies) expect(tally.records).toBe(tally.effects);
        expect(tallies.reduce((sum, t) => sum + t.records, 0)).toBe(11);
        expect(dlq.messages[0].headers['dlq-attempts']).toBe('3');
        const marks = await bed.dataSource.query(`SELECT outcome, count(*)::int AS n FROM processed_events GROUP BY outcome ORDER BY outcome`);
        expect(marks).toEqual([
          { outcome: 'dead-lettered', n: 1 },
          { outcome: 'handled', n: 11 },
        ]);
      });
    });

    it('dead-letters a malformed record in a batch and handles the rest once', async () => {
      const complaintId = randomUUID();
      const before = receivedEvent(complaintId, 'before');
      const after = receivedEvent(complaintId, 'after');
      await withDeadLetters(async (dlq) => {
        await send([asRecord(before), { key: complaintId, value: '{"broken":' }, asRecord(after)]);
        consumer = await startConsumer(bed, undefined, 50);
        await eventually(() => dlq.messages.length === 1, { what: 'the dead letter' });
        await eventually(async () => (await committedOffset()) === 3, { what: 'offsets past all three' });
        expect((await effects(bed.dataSource)).map((e) => e.label)).toEqual(['before', 'after']);
        expect(dlq.messages[0].headers['dlq-reason']).toBe('malformed-json');
      });
    });
  });
});
