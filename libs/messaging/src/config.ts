export interface MessagingConfig {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name; lets tests and parallel stacks share one broker. */
  topicPrefix: string;
  partitions: number;
  /** SASL/SCRAM credentials of this service's Kafka user (Strimzi KafkaUser), so the broker's ACLs apply to it. */
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: string };
  /** TLS to the brokers (a listener with `tls: true`); the CA comes from NODE_EXTRA_CA_CERTS. */
  ssl?: boolean;
  /** How the consumer works through what it fetches (see KafkaEventTransport). */
  consumer: ConsumerTuning;
}

export interface ConsumerTuning {
  /** Partitions handled at once (KAFKA_PARTITION_CONCURRENCY, default 3). */
  partitionConcurrency: number;
  /** Complaints (message keys) of one batch handled at once, each key's records in order (KAFKA_KEY_CONCURRENCY, default 8). */
  keyConcurrency: number;
  /** The group drops a member silent for this long (KAFKA_SESSION_TIMEOUT_MS, default 30000). */
  sessionTimeoutMs: number;
  /**
   * Records of one partition's batch handled in one database transaction, for services whose
   * handlers may share one (KAFKA_RECORDS_PER_TRANSACTION, default 100; 1 handles each on its own).
   */
  recordsPerTransaction: number;
  /**
   * A fetch answers once this many bytes wait, or after fetchMaxWaitMs (KAFKA_FETCH_MIN_BYTES,
   * default 1: at once). More makes fewer, larger batches at the cost of up to fetchMaxWaitMs.
   */
  fetchMinBytes: number;
  /** Longest a fetch waits for fetchMinBytes (KAFKA_FETCH_MAX_WAIT_MS, default 100). */
  fetchMaxWaitMs: number;
}

const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256'] as const;

function saslFromEnv(env: NodeJS.ProcessEnv): MessagingConfig['sasl'] {
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (!mechanism) return undefined;
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got ${mechanism}`);
  }
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username || !password) throw new Error('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  return { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password };
}

export function messagingConfigFromEnv(clientId: string, env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  const partitions = Number(env.KAFKA_TOPIC_PARTITIONS ?? '6');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`KAFKA_TOPIC_PARTITIONS must be a positive integer, got ${env.KAFKA_TOPIC_PARTITIONS}`);
  }
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
    clientId,
    topicPrefix: env.TOPIC_PREFIX ?? '',
    partitions,
    sasl: saslFromEnv(env),
    ssl: env.KAFKA_SSL === 'true',
    consumer: {
      partitionConcurrency: positiveInteger(env, 'KAFKA_PARTITION_CONCURRENCY', 3),
      keyConcurrency: positiveInteger(env, 'KAFKA_KEY_CONCURRENCY', 8),
      sessionTimeoutMs: positiveInteger(env, 'KAFKA_SESSION_TIMEOUT_MS', 30_000),
      recordsPerTransaction: positiveInteger(env, 'KAFKA_RECORDS_PER_TRANSACTION', 100),
      fetchMinBytes: positiveInteger(env, 'KAFKA_FETCH_MIN_BYTES', 1),
      fetchMaxWaitMs: positiveInteger(env, 'KAFKA_FETCH_MAX_WAIT_MS', 100),
    },
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

export const resolveTopic = (config: Pick<MessagingConfig, 'topicPrefix'>, base: string): string =>
  `${config.topicPrefix}${base}`;

/** A week: long enough to look into last week's incidents from a service's own outbox. */
export const DEFAULT_OUTBOX_KEEP_PUBLISHED_HOURS = 168;

/**
 * How long the outbox keeps a published row before its relay deletes it
 * (OUTBOX_KEEP_PUBLISHED_HOURS, default 168 = 7 days; 0 keeps every row).
 */
export function outboxKeepPublishedMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return keepingTimeMs(env, 'OUTBOX_KEEP_PUBLISHED_HOURS', 'hours', DEFAULT_OUTBOX_KEEP_PUBLISHED_HOURS);
}

/**
 * Longer than any way an event can come back: Kafka keeps events 30 days and dead letters 90, and
 * a replayed dead letter returns to its original topic, where every group reading it sees it again.
 */
export const DEFAULT_PROCESSED_EVENTS_KEEP_DAYS = 120;

/**
 * How long a consumer's record of a handled (or dead-lettered) event is kept before the relay
 * deletes it (PROCESSED_EVENTS_KEEP_DAYS, default 120; 0 keeps every record). An event that comes
 * back after its record is gone is handled again, so this must exceed the retention of every topic
 * the service reads, dead-letter topics included.
 */
export function processedEventsKeepMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return keepingTimeMs(env, 'PROCESSED_EVENTS_KEEP_DAYS', 'days', DEFAULT_PROCESSED_EVENTS_KEEP_DAYS);
}

const MS_PER = { hours: 3_600_000, days: 86_400_000 } as const;

/** A keeping time set in hours or days, 0 or more (0 keeps for good), in milliseconds. */
function keepingTimeMs(env: NodeJS.ProcessEnv, name: string, unit: keyof typeof MS_PER, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * MS_PER[unit];
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of ${unit}, 0 or more, got ${raw}`);
  return n * MS_PER[unit];
}
