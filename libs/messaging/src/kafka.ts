import { Kafka, logLevel, LogEntry } from 'kafkajs';
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

/** Creates missing topics. The broker never auto-creates them; the project owns its topic list. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
