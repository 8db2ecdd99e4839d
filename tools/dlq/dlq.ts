// Operator command for dead letters:
//   npm run dlq -- list <consumer-group>
//   npm run dlq -- replay <consumer-group> [<partition>/<offset> ...]   (all when none named)
// The consumer group is the service name (plus TOPIC_PREFIX when one is set).
import { deadLetterTopic } from '@complaints/contracts';
import { createKafka, messagingConfigFromEnv, readDeadLetters, replayDeadLetters, resolveTopic } from '@complaints/messaging';

async function main(): Promise<number> {
  const [command, group, ...positions] = process.argv.slice(2);
  if (!['list', 'replay'].includes(command ?? '') || !group) {
    console.error('usage: npm run dlq -- list <consumer-group> | replay <consumer-group> [<partition>/<offset> ...]');
    return 2;
  }
  const config = messagingConfigFromEnv('dlq-tool');
  const kafka = createKafka(config);
  const topic = deadLetterTopic(resolveTopic(config, group));
  const letters = await readDeadLetters(kafka, topic);
  if (command === 'list') {
    if (letters.length === 0) console.log(`no dead letters on ${topic}`);
    for (const l of letters) {
      console.log(
        JSON.stringify({
          position: `${l.partition}/${l.offset}`,
          key: l.key,
          reason: l.headers['dlq-reason'],
          error: l.headers['dlq-error'],
          attempts: Number(l.headers['dlq-attempts']),
          from: `${l.headers['dlq-original-topic']} ${l.headers['dlq-original-partition']}/${l.headers['dlq-original-offset']}`,
          failedAt: l.headers['dlq-failed-at'],
          replayedFrom: l.headers['dlq-replayed-from'],
          value: l.value.toString('utf8').slice(0, 500),
        }),
      );
    }
    return 0;
  }
  const chosen = positions.length ? letters.filter((l) => positions.includes(`${l.partition}/${l.offset}`)) : letters;
  const missing = positions.filter((p) => !letters.some((l) => `${l.partition}/${l.offset}` === p));
  if (missing.length) {
    console.error(`not on ${topic}: ${missing.join(', ')}`);
    return 1;
  }
  const sent = await replayDeadLetters(kafka, chosen);
  console.log(`replayed ${sent} dead letter(s) from ${topic} to their original topics`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
