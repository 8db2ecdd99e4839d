import { randomUUID } from 'node:crypto';
import { TOPICS, type ComplaintReceived } from '@complaints/contracts';
import { collectTopic, quietKafka } from '@complaints/testing';
import { DeadlineWatch } from '../../apps/triage/src/deadlines/deadline-watch';
import { ALL_SERVICES, startInProcess } from './services-in-process';

const DAY = 86_400_000;

/**
 * complaint.received payloads as intake sends them, for the triage suites: a card-fee complaint
 * under cn-cbirc, each with a ticket of its own (numbered from 1 on `day`), overridable field by field.
 */
export function receivedComplaints(day: string) {
  let ticketSeq = 0;
  const received = (over: Partial<ComplaintReceived> = {}): ComplaintReceived => ({
    ticketNumber: `CMP-${day}-${String(++ticketSeq).padStart(8, '0')}-0`,
    channel: 'mobile-app',
    channelReference: null,
    receivedAt: new Date().toISOString(),
    customerRef: `cust_${randomUUID()}`,
    productHint: null,
    summary: '我的信用卡本月被重复收取了两次年费，请退还多收的费用。',
    language: 'zh-CN',
    amountInDispute: null,
    preferredReplyChannel: 'sms',
    regime: 'cn-cbirc',
    responseDueBy: new Date(Date.now() + 15 * DAY).toISOString(),
    ...over,
  });
  return { received, issued: () => ticketSeq };
}

/** Triage as the deadline suites run it: the watch moved by hand (`DeadlineWatch.tick`), cn-jrt0169, nothing queued for an officer. */
export const WATCHED_TRIAGE_ENV = { DEADLINE_CHECK_INTERVAL_MS: '0', TRIAGE_TAXONOMY: 'cn-jrt0169', TRIAGE_MIN_CONFIDENCE: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error' };

/** Triage started in process with its watch, a producer to send it events and what it publishes on its topic, collected. */
export async function startWatchedTriage(client: string) {
  const service = await startInProcess(ALL_SERVICES.find((d) => d.name === 'triage')!, WATCHED_TRIAGE_ENV);
  const watch = service.running.app.get(DeadlineWatch);
  const kafka = quietKafka(client);
  const producer = kafka.producer();
  await producer.connect();
  const out = await collectTopic(kafka, `${service.topicPrefix}${TOPICS.triage}`);
  return {
    service,
    watch,
    producer,
    out,
    async stop() {
      await out.stop();
      await producer.disconnect();
      await service.stop();
    },
  };
}
