import { messagingConfigFromEnv, outboxKeepPublishedMsFromEnv, processedEventsKeepMsFromEnv } from './config';

describe('messagingConfigFromEnv', () => {
  it('connects without SASL or TLS by default', () => {
    const c = messagingConfigFromEnv('svc', { KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(c).toEqual({ brokers: ['a:9092', 'b:9092'], clientId: 'svc', topicPrefix: '', partitions: 6, sasl: undefined, ssl: false, consumer: { partitionConcurrency: 3, keyConcurrency: 8, sessionTimeoutMs: 30_000, recordsPerTransaction: 100, fetchMinBytes: 1, fetchMaxWaitMs: 100 } });
  });

  it("takes the service user's SCRAM credentials so the broker's ACLs apply", () => {
    const c = messagingConfigFromEnv('svc', { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'triage', KAFKA_SASL_PASSWORD: 'from-a-secret', KAFKA_SSL: 'true' });
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'triage', password: 'from-a-secret' });
    expect(c.ssl).toBe(true);
  });

  it('refuses an unknown mechanism and missing credentials at start', () => {
    expect(() => messagingConfigFromEnv('svc', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(
      'KAFKA_SASL_MECHANISM must be one of scram-sha-512, scram-sha-256, got plain',
    );
    expect(() => messagingConfigFromEnv('svc', { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' })).toThrow('needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    expect(() => messagingConfigFromEnv('svc', { KAFKA_TOPIC_PARTITIONS: '0' })).toThrow('KAFKA_TOPIC_PARTITIONS must be a positive integer');
  });

  it('tunes the consumer from the environment, one message at a time for a comparison run', () => {
    expect(messagingConfigFromEnv('svc', {}).consumer).toEqual({ partitionConcurrency: 3, keyConcurrency: 8, sessionTimeoutMs: 30_000, recordsPerTransaction: 100, fetchMinBytes: 1, fetchMaxWaitMs: 100 });
    expect(
      messagingConfigFromEnv('svc', {
        KAFKA_PARTITION_CONCURRENCY: '1',
        KAFKA_KEY_CONCURRENCY: '1',
        KAFKA_SESSION_TIMEOUT_MS: '10000',
        KAFKA_RECORDS_PER_TRANSACTION: '1',
        KAFKA_FETCH_MIN_BYTES: '65536',
        KAFKA_FETCH_MAX_WAIT_MS: '50',
      }).consumer,
    ).toEqual({
      partitionConcurrency: 1,
      keyConcurrency: 1,
      sessionTimeoutMs: 10_000,
      recordsPerTransaction: 1,
      fetchMinBytes: 65_536,
      fetchMaxWaitMs: 50,
    });
    expect(() => messagingConfigFromEnv('svc', { KAFKA_KEY_CONCURRENCY: '0' })).toThrow('KAFKA_KEY_CONCURRENCY must be a positive integer, got 0');
    expect(() => messagingConfigFromEnv('svc', { KAFKA_RECORDS_PER_TRANSACTION: '-5' })).toThrow('KAFKA_RECORDS_PER_TRANSACTION must be a positive integer');
    expect(() => messagingConfigFromEnv('svc', { KAFKA_SESSION_TIMEOUT_MS: '1.5' })).toThrow('KAFKA_SESSION_TIMEOUT_MS must be a positive integer');
    expect(() => messagingConfigFromEnv('svc', { KAFKA_FETCH_MIN_BYTES: '64k' })).toThrow('KAFKA_FETCH_MIN_BYTES must be a positive integer, got 64k');
    expect(() => messagingConfigFromEnv('svc', { KAFKA_FETCH_MAX_WAIT_MS: '0' })).toThrow('KAFKA_FETCH_MAX_WAIT_MS must be a positive integer, got 0');
  });
});

describe('outboxKeepPublishedMsFromEnv', () => {
  it('keeps published rows 7 days unless told otherwise, and 0 keeps them all', () => {
    expect(outboxKeepPublishedMsFromEnv({})).toBe(7 * 24 * 3_600_000);
    expect(outboxKeepPublishedMsFromEnv({ OUTBOX_KEEP_PUBLISHED_HOURS: '36' })).toBe(36 * 3_600_000);
    expect(outboxKeepPublishedMsFromEnv({ OUTBOX_KEEP_PUBLISHED_HOURS: '0.5' })).toBe(1_800_000);
    expect(outboxKeepPublishedMsFromEnv({ OUTBOX_KEEP_PUBLISHED_HOURS: '0' })).toBe(0);
  });

  it('refuses what is not a number of hours', () => {
    expect(() => outboxKeepPublishedMsFromEnv({ OUTBOX_KEEP_PUBLISHED_HOURS: '7d' })).toThrow('OUTBOX_KEEP_PUBLISHED_HOURS must be a number of hours, 0 or more, got 7d');
    expect(() => outboxKeepPublishedMsFromEnv({ OUTBOX_KEEP_PUBLISHED_HOURS: '-1' })).toThrow('got -1');
  });
});

describe('processedEventsKeepMsFromEnv', () => {
  it('keeps records of processed events 120 days unless told otherwise, and 0 keeps them all', () => {
    expect(processedEventsKeepMsFromEnv({})).toBe(120 * 86_400_000);
    expect(processedEventsKeepMsFromEnv({ PROCESSED_EVENTS_KEEP_DAYS: '400' })).toBe(400 * 86_400_000);
    expect(processedEventsKeepMsFromEnv({ PROCESSED_EVENTS_KEEP_DAYS: '0.5' })).toBe(43_200_000);
    expect(processedEventsKeepMsFromEnv({ PROCESSED_EVENTS_KEEP_DAYS: '0' })).toBe(0);
  });

  it('refuses what is not a number of days', () => {
    expect(() => processedEventsKeepMsFromEnv({ PROCESSED_EVENTS_KEEP_DAYS: '4 months' })).toThrow('PROCESSED_EVENTS_KEEP_DAYS must be a number of days, 0 or more, got 4 months');
    expect(() => processedEventsKeepMsFromEnv({ PROCESSED_EVENTS_KEEP_DAYS: '-30' })).toThrow('got -30');
  });
});
