export interface MessagingConfig {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name; lets tests and parallel stacks share one broker. */
  topicPrefix: string;
  partitions: number;
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
  };
}

export const resolveTopic = (config: Pick<MessagingConfig, 'topicPrefix'>, base: string): string =>
  `${config.topicPrefix}${base}`;
