import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { REPLAYED_FROM_HEADER, stringHeaders } from './transport';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer;
}

/** Reads a dead-letter topic from the beginning to its current end, without committing anything. */
export async function readDeadLetters(kafka: Kafka, dlqTopic: string): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = await admin.fetchTopicOffsets(dlqTopic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const letters: DeadLetter[] = [];
  if (remaining.size === 0) return letters;
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const high = remaining.get(partition);
            if (high === undefined) return;
            letters.push({
              partition,
              offset: message.offset,
              key: message.key ? message.key.toString('utf8') : null,
              headers: stringHeaders(message.headers),
              value: message.value ?? Buffer.alloc(0),
            });
            if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/**
 * Sends dead letters back to the topic they came from, with their original key, value and headers.
 * Consumers are idempotent, so groups that had already handled the event ignore the replay; the
 * group that dead-lettered it handles it afresh, and dead-letters it anew if it fails again (the
 * new letter carries `dlq-replayed-from`).
 */
export async function replayDeadLetters(kafka: Kafka, letters: DeadLetter[]): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const letter of letters) {
      const topic = letter.headers['dlq-original-topic'];
      if (!topic) throw new Error(`dead letter ${letter.partition}/${letter.offset} has no dlq-original-topic header`);
      const headers = Object.fromEntries(Object.entries(letter.headers).filter(([k]) => !k.startsWith('dlq-')));
      headers[REPLAYED_FROM_HEADER] = `${letter.partition}/${letter.offset}`;
      await producer.send({ topic, acks: -1, messages: [{ key: letter.key, value: letter.value, headers }] });
    }
  } finally {
    await producer.disconnect();
  }
  return letters.length;
}
