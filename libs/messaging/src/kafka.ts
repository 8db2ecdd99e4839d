import { Kafka, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import './kafkajs-request-queue';
import { MessagingConfig } from './config';

export interface MessagingLogger {
  log(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: MessagingLogger = {
  log: (m, f) => console.log(JSON.stringify({ level: 'info', msg: m, ...f })),
  warn: (m, f) => console.warn(JSON.stringify({ level: 'warn', msg: m, ...f })),
  error: (m, f) => console.error(JSON.stringify({ level: 'error', msg: m, ...f })),
};

export function createKafka(config: MessagingConfig, logger: MessagingLogger = consoleLogger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
    ...(config.ssl ? { ssl: true } : {}),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        // The group coordinator logs rebalances as errors; they are routine.
        if (level === logLevel.ERROR && !/rebalanc/i.test(String(message))) logger.error(`kafka: ${message}`, rest);
        else if (level <= logLevel.WARN) logger.warn(`kafka: ${message}`, rest);
      },
  });
}

/**
 * Creates missing topics. The broker never auto-creates them; the project owns its topic list.
 * Services starting together race to create the same topics, so a conflict or a metadata error
 * for a topic still being created is retried until every topic is there.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number, attempts = 10): Promise<void> {
  const wanted = [...new Set(topics)];
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = wanted.filter((t) => !existing.has(t));
        if (missing.length === 0) return;
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        });
      } catch (error) {
        if (attempt >= attempts) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
