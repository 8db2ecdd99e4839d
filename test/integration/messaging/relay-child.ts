// Runs an outbox relay that dies by SIGKILL right after Kafka acknowledged a batch and before the
// batch is marked published: the crash the relay must survive.
import { createKafka, OutboxRelay } from '@complaints/messaging';

const relay = new OutboxRelay({
  pg: { connectionString: process.env.DATABASE_URL },
  schema: process.env.SCHEMA!,
  kafka: createKafka(
    { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'relay-child', topicPrefix: '', partitions: 1 },
    { log: () => undefined, warn: () => undefined, error: () => undefined },
  ),
  afterPublish: (rows) => {
    process.stdout.write(`PUBLISHED ${rows.map((r) => r.eventId).join(',')}\n`, () => process.kill(process.pid, 'SIGKILL'));
    return new Promise(() => undefined); // never marks
  },
});
relay.start().catch((e) => {
  console.error(e);
  process.exit(2);
});
