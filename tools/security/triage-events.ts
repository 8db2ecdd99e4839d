import { randomUUID } from 'node:crypto';
import type { ComplaintReceived } from '@complaints/contracts';

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
